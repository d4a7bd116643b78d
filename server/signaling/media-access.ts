import type { Socket } from 'socket.io';
import type { Services } from '../../src/lib/server/services.js';
import type { User } from '../../src/lib/server/accounts/accounts.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import { sessionTokenFromHeader } from '../../src/lib/server/session-cookie.js';
import { manages, mayWatch } from '../../src/lib/server/access.js';
import { SignalingError } from './request.js';
import { guestRoom, personRoom } from './live-rooms.js';
import type { MediaRole } from '../../src/lib/signaling/messages.js';

/**
 * Who may do what in a gig's media: the creator (or an admin) hosts; ticket holders, the creator
 * and admins watch, unless banned from the gig; a viewer the host brought on stage publishes as a
 * guest. Checked against Redis on every join and every transport or consume request, so a revoked
 * session, a cancelled gig, a ban or being sent back to the audience stops media requests at once.
 */
export class MediaAccess {
	constructor(private readonly domain: Pick<Services, 'accounts' | 'gigs' | 'tickets' | 'chat'>) {}

	async check(socket: Socket, gigId: string, role: MediaRole): Promise<{ user: User; gig: Gig }> {
		// A ban (or, for a guest, being sent back to the audience) reaches this connection through
		// these rooms, on whichever node serves it. Joined before the ban and the stage are read:
		// one made meanwhile either shows in the reads or reaches the rooms.
		return this.admit(socket, gigId, role, (user) => {
			const rooms = [personRoom(gigId, user.id)];
			if (role === 'guest') rooms.push(guestRoom(gigId, user.id));
			void socket.join(rooms);
		});
	}

	/**
	 * The person behind the connection and the gig, when they may take `role` in it. `identified`
	 * runs once the person is known, before anything about the gig is read.
	 */
	async admit(socket: Socket, gigId: string, role: MediaRole, identified?: (user: User) => void): Promise<{ user: User; gig: Gig }> {
		const user = await this.domain.accounts.userForSession(sessionTokenFromHeader(socket.handshake.headers.cookie));
		if (!user) throw new SignalingError('LOGIN_REQUIRED', 'log in to join this gig');
		identified?.(user);
		const gig = await this.domain.gigs.get(gigId);
		if (!gig) throw new SignalingError('GIG_NOT_FOUND', 'there is no such gig');
		if (gig.status === 'cancelled') throw new SignalingError('GIG_CANCELLED', 'this gig was cancelled');
		if (role === 'host' && !manages(gig, user)) throw new SignalingError('NOT_HOST', 'only the gig’s creator can go live');
		if (role !== 'host' && !(await mayWatch(this.domain.tickets, gig, user))) {
			throw new SignalingError('TICKET_REQUIRED', 'you need a ticket for this gig');
		}
		if (!manages(gig, user) && (await this.domain.chat.moderation.isBanned(gigId, user.id))) {
			throw new SignalingError('BANNED', 'you were banned from this gig');
		}
		if (role === 'guest' && (await this.domain.chat.stage.stateOf(gigId, user.id)) !== 'guest') {
			throw new SignalingError('NOT_ON_STAGE', 'you are not on this gig’s stage: the host may have sent you back to the audience');
		}
		return { user, gig };
	}
}
