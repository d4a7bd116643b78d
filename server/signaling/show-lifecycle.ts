import type { MediaContext } from './media-handlers.js';
import { broadcastShow } from './media-handlers.js';
import { announceShow } from './live-status.js';
import { announceStage, leaveStageMedia } from './live-stage.js';
import type { PublishedTrack } from '../../src/lib/signaling/messages.js';

/**
 * Starting and ending a gig's show, whoever drives it: the studio page over `/media`, or an OBS
 * stream through the RTMP bridge. Each step keeps the show's state (in Redis, shared by every
 * node), the gig record, webhooks, open pages and the gig's viewers on every node in agreement.
 */
export type ShowControl = {
	start(gigId: string): Promise<{ state: 'live'; startedAt: number | null }>;
	end(gigId: string): Promise<void>;
	/** The gig's tracks on this node changed (a producer came or went): every viewer gets a fresh snapshot. */
	changed(gigId: string): Promise<void>;
	/** The host's media is gone without an end (a dropped studio tab, a stalled encoder). */
	hostLeft(gigId: string, peerId: string): Promise<void>;
};

export function showControl(ctx: MediaContext): ShowControl {
	const tracksChanged = serialisedPerGig(async (gigId) => {
		await ctx.shows.publishTracks(gigId, localTracks(ctx, gigId));
		if ((await ctx.shows.state(gigId)).state === 'live') await broadcastShow(ctx, gigId);
	});

	return {
		async start(gigId) {
			// Resuming an ended show continues it: the same start, the same numbers.
			const gig = await ctx.gigs.get(gigId);
			const resuming = gig?.status === 'ended' && gig.startedAt !== null;
			const { startedAt } = await ctx.shows.start(gigId, resuming ? gig.startedAt! : undefined);
			await ctx.gigs.markLive(gigId, startedAt ?? Date.now());
			const [viewers, people] = await Promise.all([ctx.audience.count(gigId), ctx.audience.people(gigId)]);
			await ctx.numbers.began(gigId, { count: viewers.count, people });
			await ctx.webhooks.gigLive(gigId);
			announceShow(ctx.namespace.server, { gigId, state: 'live', startedAt });
			ctx.log.info({ gigId }, 'show is live');
			await tracksChanged(gigId); // this node's tracks listed, and every viewer told
			return { state: 'live', startedAt };
		},

		async end(gigId) {
			await ctx.shows.end(gigId);
			// Guests step down with the show.
			const { guests } = await ctx.stage.snapshot(gigId);
			await ctx.stage.clear(gigId);
			for (const guest of guests) leaveStageMedia(ctx.namespace.server, gigId, guest.id);
			await announceStage(ctx.namespace.server, ctx.stage, gigId);
			await ctx.gigs.markEnded(gigId);
			await ctx.numbers.ended(gigId);
			await ctx.webhooks.gigEnded(gigId);
			announceShow(ctx.namespace.server, { gigId, state: 'ended', startedAt: (await ctx.shows.state(gigId)).startedAt });
			ctx.log.info({ gigId }, 'show ended');
			await broadcastShow(ctx, gigId);
		},

		changed: tracksChanged,

		async hostLeft(gigId, peerId) {
			if (!(await ctx.shows.hostLeft(gigId, peerId))) return;
			ctx.log.warn({ gigId, peerId }, 'host media gone; show interrupted');
			await broadcastShow(ctx, gigId);
		}
	};
}

/** The tracks this node publishes into the gig, as viewers see them. */
function localTracks(ctx: MediaContext, gigId: string): PublishedTrack[] {
	const producers = ctx.sfu.existingRoom(gigId)?.producers() ?? [];
	return producers.flatMap(({ id, kind, source, participant }) => (participant ? [{ producerId: id, kind, source, participant }] : []));
}

/**
 * Runs `task` for a gig one call at a time, each reading the state afresh, and folds calls made
 * while one is waiting into it: the last write to Redis always holds the latest tracks.
 */
function serialisedPerGig(task: (gigId: string) => Promise<void>): (gigId: string) => Promise<void> {
	const queued = new Map<string, Promise<void>>();
	const tails = new Map<string, Promise<void>>();
	return (gigId) => {
		const waiting = queued.get(gigId);
		if (waiting) return waiting;
		const run = (tails.get(gigId) ?? Promise.resolve())
			.catch(() => {})
			.then(() => {
				queued.delete(gigId);
				return task(gigId);
			});
		queued.set(gigId, run);
		tails.set(gigId, run);
		void run.finally(() => tails.get(gigId) === run && tails.delete(gigId)).catch(() => {});
		return run;
	};
}
