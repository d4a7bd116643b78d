import { createHash } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { Accounts } from '../../src/lib/server/accounts/accounts.js';
import type { Connections } from '../../src/lib/server/connections.js';
import { sessionTokenFromHeader } from '../../src/lib/server/session-cookie.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { gigFollowers, gigRoom } from './live-rooms.js';
import { gigChannel } from './media-handlers.js';

const NAMESPACES = [MEDIA_NAMESPACE, LIVE_NAMESPACE];

/** A session's connections, named by a hash of its token (its session id): room names travel between nodes, tokens never do. */
export const sessionRoom = (token: string) => sessionIdRoom(createHash('sha256').update(token).digest('base64url'));
const sessionIdRoom = (sessionId: string) => `session:${sessionId}`;
/** A person's connections, whichever session opened them. */
export const accountRoom = (userId: string) => `account:${userId}`;

/**
 * Puts every new `/media` and `/live` connection in its session's and its person's rooms, which
 * the Redis adapter spans over every node, and returns what closes them.
 */
export function watchConnections(io: Server, accounts: Pick<Accounts, 'userForSession'>, log: Logger): Connections {
	for (const name of NAMESPACES) io.of(name).on('connection', (socket) => void enterRooms(socket, accounts, log));
	const close = (room: string) => {
		for (const name of NAMESPACES) io.of(name).in(room).disconnectSockets(true);
	};
	return {
		closeSession: (token) => close(sessionRoom(token)),
		closeSessions: (sessionIds) => {
			for (const id of sessionIds) close(sessionIdRoom(id));
		},
		closePerson: (userId) => close(accountRoom(userId)),
		closeGig(gigId) {
			io.of(LIVE_NAMESPACE).to(gigFollowers(gigId)).emit('status', { gigId, state: 'cancelled', startedAt: null });
			io.of(MEDIA_NAMESPACE).in(gigChannel(gigId)).disconnectSockets(true);
			io.of(LIVE_NAMESPACE).in(gigRoom(gigId)).disconnectSockets(true);
		}
	};
}

async function enterRooms(socket: Socket, accounts: Pick<Accounts, 'userForSession'>, log: Logger): Promise<void> {
	const token = sessionTokenFromHeader(socket.handshake.headers.cookie);
	if (!token) return;
	// At once: a log-out from now on reaches this connection.
	void socket.join(sessionRoom(token));
	try {
		const user = await accounts.userForSession(token);
		if (!user || socket.disconnected) return;
		void socket.join(accountRoom(user.id));
		// Closing a person's connections ends their sessions first: if that happened while this
		// connection was between the two reads, it missed the close but sees the session gone.
		if (!(await accounts.userForSession(token))) socket.disconnect(true);
	} catch (error) {
		log.warn({ socketId: socket.id, err: error }, 'could not look up a connection’s session');
	}
}
