import type { Logger } from 'pino';

/** Closes the open Socket.IO connections of ended sessions, on every node. */
export type DisconnectSessions = (sessionIds: string[]) => Promise<void>;

/**
 * The domain ends sessions (a password reset, signing out elsewhere, deleting the account); the
 * signaling layer, built after the domain, knows how to close their sockets. The composition
 * root attaches it here once Socket.IO exists.
 */
export class SessionSockets {
	private target: DisconnectSessions | null = null;

	constructor(private readonly log?: Logger) {}

	attach(disconnect: DisconnectSessions): void {
		this.target = disconnect;
	}

	/**
	 * Never throws: the sessions are over already, and every media and chat request checks its
	 * session again, so a node that does not answer in time only delays the disconnection.
	 */
	async disconnect(sessionIds: string[]): Promise<void> {
		if (sessionIds.length === 0 || !this.target) return;
		try {
			await this.target(sessionIds);
		} catch (error) {
			this.log?.warn({ err: error, sessions: sessionIds.length }, 'could not close every socket of the ended sessions');
		}
	}
}
