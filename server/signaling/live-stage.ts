import type { Server } from 'socket.io';
import { LIVE_NAMESPACE, type LiveResults, type StageSnapshot } from '../../src/lib/live/messages.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import type { StageMove } from '../../src/lib/server/chat/stage.js';
import { publicPerson } from '../../src/lib/server/accounts/accounts.js';
import type { ChatMember } from './live-access.js';
import type { LiveContext, LiveHandlers } from './live-handlers.js';
import { SignalingError } from './request.js';
import { gigRoom, guestRoom } from './live-rooms.js';

type StageHandlers = Pick<LiveHandlers, 'stage:raise' | 'stage:leave' | 'stage:accept' | 'stage:invite' | 'stage:remove'>;

/** Raising hands, invitations and guests: the audience side and the host's side of the stage. */
export function stageHandlers(member: () => Promise<ChatMember>, ctx: LiveContext): StageHandlers {
	const { stage } = ctx.domain.chat;
	const io = ctx.namespace.server;
	const host = async (): Promise<ChatMember> => {
		const m = await member();
		if (!m.canModerate) throw new SignalingError('NOT_MODERATOR', 'only the gig’s host can invite people on stage');
		return m;
	};
	/** Tells everyone in the gig's chat, and answers the mover with the same picture. */
	const done = async (gigId: string, move: StageMove, refusal: string): Promise<{ stage: StageSnapshot }> => {
		if (!move.ok) {
			if (move.reason === 'stage-full') throw new SignalingError('STAGE_FULL', 'The stage is full: send a guest back to the audience first.');
			throw new SignalingError('STAGE_CONFLICT', refusal);
		}
		return { stage: await announceStage(io, stage, gigId) };
	};

	return {
		async 'stage:raise'(): Promise<LiveResults['stage:raise']> {
			const { gig, user, canModerate } = await member();
			if (canModerate) throw new SignalingError('HOST_ON_STAGE', 'you run this show: you are on stage already');
			return done(gig.id, await stage.raiseHand(gig.id, publicPerson(user)), 'your hand is up already, or you are on stage');
		},

		async 'stage:leave'(): Promise<LiveResults['stage:leave']> {
			const { gig, user } = await member();
			const move = await stage.toAudience(gig.id, user.id);
			if (move.ok && move.from === 'guest') leaveStageMedia(io, gig.id, user.id);
			return done(gig.id, move, 'you are in the audience already');
		},

		async 'stage:accept'(): Promise<LiveResults['stage:accept']> {
			const { gig, user } = await member();
			const move = await stage.accept(gig.id, user.id);
			if (move.ok) ctx.log.info({ gigId: gig.id, userId: user.id }, 'guest came on stage');
			return done(gig.id, move, 'there is no invitation for you: the host may have withdrawn it');
		},

		async 'stage:invite'({ userId }): Promise<LiveResults['stage:invite']> {
			const { gig, user } = await host();
			const move = await stage.invite(gig.id, userId);
			if (move.ok) ctx.log.info({ gigId: gig.id, userId, by: user.id }, 'invited on stage');
			return done(gig.id, move, 'that person’s hand is no longer up');
		},

		async 'stage:remove'({ userId }): Promise<LiveResults['stage:remove']> {
			const { gig, user } = await host();
			const move = await stage.toAudience(gig.id, userId);
			if (move.ok && move.from === 'guest') {
				leaveStageMedia(io, gig.id, userId);
				ctx.log.info({ gigId: gig.id, userId, by: user.id }, 'guest sent back to the audience');
			}
			return done(gig.id, move, 'that person is in the audience already');
		}
	};
}

/** Sends the gig's stage to everyone in its chat, on every node; returns it. */
export async function announceStage(io: Server, stage: { snapshot(gigId: string): Promise<StageSnapshot> }, gigId: string): Promise<StageSnapshot> {
	const snapshot = await stage.snapshot(gigId);
	io.of(LIVE_NAMESPACE).to(gigRoom(gigId)).emit('stage', snapshot);
	return snapshot;
}

/** A guest's publishing connections close wherever they are: their tracks leave the show at once. */
export function leaveStageMedia(io: Server, gigId: string, userId: string): void {
	io.of(MEDIA_NAMESPACE).in(guestRoom(gigId, userId)).disconnectSockets(true);
}
