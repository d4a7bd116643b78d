import type { Logger } from 'pino';
import type { Connections } from '../connections.js';

/** What closes open Socket.IO connections on every node (services().connections). */
export type SocketCloser = Pick<Connections, 'closeSessions' | 'closePerson'>;

/**
 * The domain ends sessions (a password reset, signing out elsewhere, deleting the account); the
 * signaling layer, built after the domain, knows how to close their sockets. The composition
 * root attaches its connections here once Socket.IO exists.
 */
export class SessionSockets {
	private target: SocketCloser | null = null;

	constructor(private readonly log?: Logger) {}

	attach(connections: SocketCloser): void {
		this.target = connections;
	}

	/**
	 * Closes the connections of these sessions (signing out one device, or all but this one).
	 * Never throws: the sessions are over already, and every media and chat request checks its
	 * session again, so a node that does not answer in time only delays the disconnection.
	 */
	async disconnect(sessionIds: string[]): Promise<void> {
		if (sessionIds.length === 0) return;
		await this.closing({ sessions: sessionIds.length }, (target) => target.closeSessions(sessionIds));
	}

	/**
	 * Closes every connection of the person, whichever session opened it, also one the session
	 * list never held (a reset password or a deleted account leaves no session standing). End the
	 * sessions first: a connection opened in between then finds its session gone.
	 */
	async disconnectPerson(userId: string): Promise<void> {
		await this.closing({ userId }, (target) => target.closePerson(userId));
	}

	private async closing(about: object, close: (target: SocketCloser) => unknown): Promise<void> {
		if (!this.target) return;
		try {
			await close(this.target);
		} catch (error) {
			this.log?.warn({ ...about, err: error }, 'could not close every socket of the ended sessions');
		}
	}
}
