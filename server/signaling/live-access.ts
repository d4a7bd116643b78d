import type { Socket } from 'socket.io';
import type { User } from '../../src/lib/server/accounts/accounts.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import { chatRole, moderates } from '../../src/lib/server/chat/chat.js';
import type { ChatRole } from '../../src/lib/live/messages.js';
import type { MediaAccess } from './media-access.js';

/** A person in a gig's chat, as the server sees them at this request. */
export type ChatMember = { user: User; gig: Gig; role: ChatRole; canModerate: boolean };

/**
 * The chat is open to whoever may watch the stream (ticket holders, the creator, admins; not the
 * banned), and the same rule decides it: asked again on every request, never remembered.
 */
export class LiveAccess {
	constructor(private readonly media: MediaAccess) {}

	/** `identified` runs once the person is known, before their ticket or a ban is read. */
	async member(socket: Socket, gigId: string, identified?: (user: User) => void): Promise<ChatMember> {
		const { user, gig } = await this.media.admit(socket, gigId, 'viewer', identified);
		return { user, gig, role: chatRole(gig, user), canModerate: moderates(gig, user) };
	}
}
