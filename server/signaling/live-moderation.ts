import type { LiveResults } from '../../src/lib/live/messages.js';
import { publicPerson, type User } from '../../src/lib/server/accounts/accounts.js';
import { moderates } from '../../src/lib/server/chat/chat.js';
import type { ChatMember } from './live-access.js';
import type { LiveContext, LiveHandlers } from './live-handlers.js';
import { SignalingError } from './request.js';
import { gigRoom, personRoom } from './live-rooms.js';
import { announceStage } from './live-stage.js';

type ModerationHandlers = Pick<LiveHandlers, 'chat:delete' | 'mod:timeout' | 'mod:ban' | 'mod:unban' | 'mod:banned'>;

/** What the gig's creator and admins may do in its chat: delete messages, time out, ban. */
export function moderationHandlers(member: () => Promise<ChatMember>, ctx: LiveContext): ModerationHandlers {
	const { chat, accounts } = ctx.domain;
	const moderator = async (): Promise<ChatMember> => {
		const m = await member();
		if (!m.canModerate) throw new SignalingError('NOT_MODERATOR', 'only the gig’s creator and admins can moderate its chat');
		return m;
	};
	/** Someone a moderator may act on: not the creator, not an admin, not themselves. */
	const target = async ({ gig }: ChatMember, userId: string): Promise<User> => {
		const person = await accounts.user(userId);
		if (!person) throw new SignalingError('PERSON_NOT_FOUND', 'there is no such person');
		if (moderates(gig, person)) throw new SignalingError('CANNOT_MODERATE', 'the gig’s creator and admins cannot be timed out or banned');
		return person;
	};

	/** The banned, by name (the list a moderator sees); ids of deleted accounts are left out. */
	const bannedList = async (gigId: string) => {
		const people = await Promise.all((await chat.moderation.banned(gigId)).map((id) => accounts.user(id)));
		return { banned: people.flatMap((p) => (p ? [publicPerson(p)] : [])) };
	};

	return {
		async 'chat:delete'({ messageId }): Promise<LiveResults['chat:delete']> {
			const { gig, user } = await moderator();
			if (!(await chat.messages.remove(gig.id, messageId))) throw new SignalingError('MESSAGE_NOT_FOUND', 'that message is gone already');
			ctx.namespace.to(gigRoom(gig.id)).emit('chat:deleted', { messageId });
			ctx.log.info({ gigId: gig.id, messageId, by: user.id }, 'chat message deleted');
			return null;
		},

		async 'mod:timeout'({ userId, minutes }): Promise<LiveResults['mod:timeout']> {
			const m = await moderator();
			await target(m, userId);
			const until = await chat.moderation.timeOut(m.gig.id, userId, minutes);
			ctx.namespace.to(personRoom(m.gig.id, userId)).emit('moderated', { action: 'timeout', until });
			ctx.log.info({ gigId: m.gig.id, userId, minutes, by: m.user.id }, 'chat time-out');
			return { until };
		},

		async 'mod:ban'({ userId }): Promise<LiveResults['mod:ban']> {
			const m = await moderator();
			await target(m, userId);
			const gigId = m.gig.id;
			await chat.moderation.ban(gigId, userId);
			// Told first, then cut off: both go out in this order on one Redis connection, so every node
			// handles them in this order.
			const room = personRoom(gigId, userId);
			ctx.namespace.to(room).emit('moderated', { action: 'ban' });
			ctx.namespace.in(room).disconnectSockets();
			ctx.media.in(room).disconnectSockets();
			// Their stage place goes with them (their media connections just closed above).
			if ((await chat.stage.toAudience(gigId, userId)).ok) await announceStage(ctx.namespace.server, chat.stage, gigId);
			ctx.log.info({ gigId, userId, by: m.user.id }, 'banned from gig');
			return null;
		},

		async 'mod:unban'({ userId }): Promise<LiveResults['mod:unban']> {
			const { gig, user } = await moderator();
			if (!(await chat.moderation.unban(gig.id, userId))) throw new SignalingError('NOT_BANNED', 'that person is not banned from this gig');
			ctx.log.info({ gigId: gig.id, userId, by: user.id }, 'ban lifted');
			return bannedList(gig.id);
		},

		async 'mod:banned'(): Promise<LiveResults['mod:banned']> {
			const { gig } = await moderator();
			return bannedList(gig.id);
		}
	};
}
