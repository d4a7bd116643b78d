import type { Socket } from 'socket.io';
import type { Services } from '../../src/lib/server/services.js';
import type { User } from '../../src/lib/server/accounts/accounts.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import { sessionTokenFromHeader } from '../../src/lib/server/session-cookie.js';
import { manages, mayWatch } from '../../src/lib/server/access.js';
import { SignalingError } from './request.js';
import { personRoom } from './live-rooms.js';

/**
 * Who may do what in a gig's media: the creator (or an admin) hosts; ticket holders, the creator
 * and admins watch, unless banned from the gig. Checked against Redis on every join and every
 * transport or consume request, so a revoked session, a cancelled gig or a ban stops media
 * requests at once.
 */
export class MediaAccess {
	constructor(private readonly domain: Pick<Services, 'accounts' | 'gigs' | 'tickets' | 'chat'>) {}

	async check(socket: Socket, gigId: string, role: 'host' | 'viewer'): Promise<void> {
		const { user } = await this.admit(socket, gigId, role);
		// A ban reaches this connection through its person's room, on whichever node serves it.
		await socket.join(personRoom(gigId, user.id));
	}

	/** The person behind the connection and the gig, when they may take `role` in it. */
	async admit(socket: Socket, gigId: string, role: 'host' | 'viewer'): Promise<{ user: User; gig: Gig }> {
		const user = await this.domain.accounts.userForSession(sessionTokenFromHeader(socket.handshake.headers.cookie));
		if (!user) throw new SignalingError('LOGIN_REQUIRED', 'log in to join this gig');
		const gig = await this.domain.gigs.get(gigId);
		if (!gig) throw new SignalingError('GIG_NOT_FOUND', 'there is no such gig');
		if (gig.status === 'cancelled') throw new SignalingError('GIG_CANCELLED', 'this gig was cancelled');
		if (role === 'host' && !manages(gig, user)) throw new SignalingError('NOT_HOST', 'only the gig’s creator can go live');
		if (role === 'viewer' && !(await mayWatch(this.domain.tickets, gig, user))) {
			throw new SignalingError('TICKET_REQUIRED', 'you need a ticket for this gig');
		}
		if (!manages(gig, user) && (await this.domain.chat.moderation.isBanned(gigId, user.id))) {
			throw new SignalingError('BANNED', 'you were banned from this gig');
		}
		return { user, gig };
	}
}
