/** Closes the open Socket.IO connections of ended sessions, on every node. */
export type DisconnectSessions = (sessionIds: string[]) => Promise<void>;

/**
 * The domain ends sessions (a password reset, signing out elsewhere, deleting the account); the
 * signaling layer, built after the domain, knows how to close their sockets. The composition
 * root attaches it here once Socket.IO exists.
 */
export class SessionSockets {
	private target: DisconnectSessions | null = null;

	attach(disconnect: DisconnectSessions): void {
		this.target = disconnect;
	}

	async disconnect(sessionIds: string[]): Promise<void> {
		if (sessionIds.length > 0 && this.target) await this.target(sessionIds);
	}
}
