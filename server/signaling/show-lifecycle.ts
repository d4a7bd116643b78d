import type { MediaContext } from './media-handlers.js';
import { broadcastShow } from './media-handlers.js';
import { announceShow } from './live-status.js';
import { announceStage, leaveStageMedia } from './live-stage.js';

/**
 * Starting and ending a gig's show, whoever drives it: the studio page over `/media`, or an OBS
 * stream through the RTMP bridge. Each step keeps the gig record, webhooks, open pages and the
 * gig's viewers in agreement.
 */
export type ShowControl = {
	start(gigId: string): Promise<{ startedAt: number | null }>;
	end(gigId: string): Promise<void>;
	/** The gig's tracks changed (a producer came or went): viewers get a fresh snapshot. */
	changed(gigId: string): Promise<void>;
	/** The host's media is gone without an end (a dropped studio tab, a stalled encoder). */
	hostLeft(gigId: string, peerId: string): Promise<void>;
};

export function showControl(ctx: MediaContext): ShowControl {
	return {
		async start(gigId) {
			// Resuming an ended show continues it: the same start, the same numbers.
			const gig = await ctx.gigs.get(gigId);
			const resuming = gig?.status === 'ended' && gig.startedAt !== null;
			ctx.shows.start(gigId, resuming ? gig.startedAt! : Date.now());
			const { startedAt } = ctx.shows.state(gigId);
			await ctx.gigs.markLive(gigId, startedAt ?? Date.now());
			const [viewers, people] = await Promise.all([ctx.audience.count(gigId), ctx.audience.people(gigId)]);
			await ctx.numbers.began(gigId, { count: viewers.count, people });
			await ctx.webhooks.gigLive(gigId);
			announceShow(ctx.namespace.server, { gigId, state: 'live', startedAt });
			ctx.log.info({ gigId }, 'show is live');
			await broadcastShow(ctx, gigId);
			return { startedAt };
		},

		async end(gigId) {
			ctx.shows.end(gigId);
			// Guests step down with the show.
			const { guests } = await ctx.stage.snapshot(gigId);
			await ctx.stage.clear(gigId);
			for (const guest of guests) leaveStageMedia(ctx.namespace.server, gigId, guest.id);
			await announceStage(ctx.namespace.server, ctx.stage, gigId);
			await ctx.gigs.markEnded(gigId);
			await ctx.numbers.ended(gigId);
			await ctx.webhooks.gigEnded(gigId);
			announceShow(ctx.namespace.server, { gigId, state: 'ended', startedAt: ctx.shows.state(gigId).startedAt });
			ctx.log.info({ gigId }, 'show ended');
			await broadcastShow(ctx, gigId);
		},

		async changed(gigId) {
			if (ctx.shows.state(gigId).state === 'live') await broadcastShow(ctx, gigId);
		},

		async hostLeft(gigId, peerId) {
			if (!ctx.shows.isHost(gigId, peerId)) return;
			ctx.shows.hostLeft(gigId, peerId);
			ctx.log.warn({ gigId, peerId }, 'host media gone; show interrupted');
			await broadcastShow(ctx, gigId);
		}
	};
}
