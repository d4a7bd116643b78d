import type { Namespace, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { Services } from '../../src/lib/server/services.js';
import { publicPerson } from '../../src/lib/server/accounts/accounts.js';
import { CHAT_RATE, HISTORY_PAGE, OLDER_PAGE, type liveRequests, type LiveResults } from '../../src/lib/live/messages.js';
import type { LiveAccess, ChatMember } from './live-access.js';
import type { AudienceTracker } from './live-audience.js';
import type { ReactionBursts } from './live-reactions.js';
import { SignalingError, type HandlersOf } from './request.js';
import { gigPublicRoom, gigRoom, HOME_ROOM, personRoom } from './live-rooms.js';
import { ignoreFullStore } from '../../src/lib/server/store-errors.js';
import { moderationHandlers } from './live-moderation.js';
import { stageHandlers } from './live-stage.js';
import { Turns } from './turns.js';

export type LiveContext = {
	namespace: Namespace;
	/** `/media`: a ban disconnects the person's stream too. */
	media: Namespace;
	access: LiveAccess;
	domain: Pick<Services, 'accounts' | 'gigs' | 'chat'>;
	audience: AudienceTracker;
	/** The creator's open studios. */
	backstage: AudienceTracker;
	reactions: ReactionBursts;
	log: Logger;
};

/** The gig a connection joined the chat of. */
export type ChatSeat = { gigId: string; userId: string; counted: boolean; backstage: boolean };

export type LiveHandlers = HandlersOf<typeof liveRequests>;

/** The request handlers of one `/live` connection, one function per message. */
export function liveHandlers(socket: Socket, ctx: LiveContext): LiveHandlers {
	const { chat } = ctx.domain;
	const joins = new Turns();
	/** The member behind this connection, checked again (ticket, session, ban) on every request. */
	const member = async (): Promise<ChatMember> => {
		const seat = socket.data.seat as ChatSeat | undefined;
		if (!seat) throw new SignalingError('NOT_JOINED', 'join the gig’s chat first');
		return ctx.access.member(socket, seat.gigId);
	};

	return {
		async 'live:follow'({ gigId }): Promise<LiveResults['live:follow']> {
			// Joined before reading: a change from here on arrives as an event.
			const room = gigId ? gigPublicRoom(gigId) : HOME_ROOM;
			await socket.join(room);
			const gigs = gigId ? [await ctx.domain.gigs.get(gigId)] : await ctx.domain.gigs.live();
			if (gigId && !gigs[0]) {
				await socket.leave(room);
				throw new SignalingError('GIG_NOT_FOUND', 'there is no such gig');
			}
			return {
				gigs: await Promise.all(
					gigs.flatMap((gig) => (gig ? [gig] : [])).map(async (gig) => ({ gigId: gig.id, state: gig.status, startedAt: gig.startedAt, viewers: await chat.audience.count(gig.id) }))
				)
			};
		},

		// One join at a time per connection: each sees the seat the one before it took.
		'live:join': ({ gigId, backstage }) => joins.run(async (): Promise<LiveResults['live:join']> => {
			const seat = socket.data.seat as ChatSeat | undefined;
			if (seat && seat.gigId !== gigId) throw new SignalingError('ALREADY_JOINED', `this connection is in the chat of gig "${seat.gigId}"`);
			// In the person's room before a ban is read: one made meanwhile shows in the read or reaches the room.
			const { user, role, canModerate } = await ctx.access.member(socket, gigId, (u) => void socket.join(personRoom(gigId, u.id)));
			if (socket.disconnected) throw new SignalingError('NOT_JOINED', 'the connection closed while joining');
			// In the room before the history is read: a message sent meanwhile comes as an event (the page drops doubles).
			void socket.join(gigRoom(gigId));
			if (!seat) {
				// The creator and admins run the show; viewers are everyone else.
				const joined: ChatSeat = { gigId, userId: user.id, counted: !canModerate, backstage: canModerate && backstage === true };
				socket.data.seat = joined;
				// A full disk refuses the count's write, not the show: the heartbeat counts them once it can.
				if (joined.counted) await Promise.all([ctx.audience.enter(gigId, user.id), chat.numbers.seen(gigId, [user.id])]).catch(ignoreFullStore);
				if (joined.backstage) await ctx.backstage.enter(gigId, user.id).catch(ignoreFullStore);
			}
			const [page, reactions, viewers, studios, timedOutUntil, stage] = await Promise.all([
				chat.messages.recent(gigId, HISTORY_PAGE),
				chat.reactions.totals(gigId),
				chat.audience.count(gigId),
				chat.backstage.count(gigId),
				chat.moderation.timedOutUntil(gigId, user.id),
				chat.stage.snapshot(gigId)
			]);
			ctx.log.debug({ gigId, userId: user.id, socketId: socket.id }, 'joined gig chat');
			return { history: page.messages, hasOlder: page.hasOlder, reactions, viewers, backstage: studios, you: { ...publicPerson(user), role, canModerate, timedOutUntil }, stage };
		}),

		async 'chat:send'({ text }): Promise<LiveResults['chat:send']> {
			const { user, gig, role } = await member();
			const until = await chat.moderation.timedOutUntil(gig.id, user.id);
			if (until) throw new SignalingError('TIMED_OUT', `You are timed out for another ${minutesLeft(until)}.`);
			if (!(await chat.pace.mayPost(gig.id, user.id))) {
				throw new SignalingError('RATE_LIMITED', `Slow down: you can send ${CHAT_RATE.messages} messages every ${CHAT_RATE.seconds} seconds.`);
			}
			const { id: userId, name, colour } = publicPerson(user);
			const message = await chat.messages.append(gig.id, { userId, name, colour, role }, text);
			await chat.numbers.messageSent(gig.id);
			ctx.namespace.to(gigRoom(gig.id)).emit('chat:message', message);
			return { message };
		},

		async 'chat:older'({ before }): Promise<LiveResults['chat:older']> {
			const { gig } = await member();
			return chat.messages.older(gig.id, before, OLDER_PAGE);
		},

		async react({ kind }): Promise<LiveResults['react']> {
			const { user, gig } = await member();
			const totals = await chat.reactions.add(gig.id, user.id, kind);
			if (!totals) throw new SignalingError('RATE_LIMITED', 'Slow down: one reaction a second.');
			ctx.reactions.add(gig.id, kind, totals);
			return { totals };
		},

		...moderationHandlers(member, ctx),
		...stageHandlers(member, ctx)
	};
}

function minutesLeft(until: number): string {
	const minutes = Math.max(1, Math.ceil((until - Date.now()) / 60_000));
	return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
