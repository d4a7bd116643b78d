import type { Server } from 'socket.io';
import type { DisconnectSessions } from '../../src/lib/server/accounts/session-sockets.js';
import { sessionId } from '../../src/lib/server/accounts/sessions.js';
import { sessionTokenFromHeader } from '../../src/lib/server/session-cookie.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';

/**
 * Closes every `/media` and `/live` connection, on every node, that was opened with one of these
 * sessions: the Redis adapter asks all nodes for their sockets and their handshake cookies.
 */
// TODO(security-signaling): once the per-session socket rooms land, disconnect through them
// instead of listing every socket; this function is the one place to change.
export function sessionDisconnector(io: Server): DisconnectSessions {
	return async (sessionIds) => {
		const ended = new Set(sessionIds);
		for (const name of [MEDIA_NAMESPACE, LIVE_NAMESPACE]) {
			for (const socket of await io.of(name).fetchSockets()) {
				const token = sessionTokenFromHeader(socket.handshake.headers.cookie);
				if (token && ended.has(sessionId(token))) socket.disconnect(true);
			}
		}
	};
}
