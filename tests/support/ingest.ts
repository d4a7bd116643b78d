import { expect } from 'vitest';
import type { Redis } from 'ioredis';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import type { IngestStatus } from '../../src/lib/server/ingest/ingest-status.js';
import type { ShowSnapshot } from '../../src/lib/signaling/messages.js';
import type { TestClient } from './server.js';
import { waitFor } from './media.js';
import { publishClip, publishRtmp, type PublisherOptions, type RtmpPublisherProcess } from './rtmp-publisher.js';

/** What RTMP ingest tests ask of a running server, whichever way it runs (in this process or its own). */
export function ingestProbe(redis: () => Redis, rtmpPort: () => number) {
	const publishers: RtmpPublisherProcess[] = [];
	const streamKey = async (gig: Gig) => (await redis().hget(`gs:gig:${gig.id}`, 'streamKey'))!;
	const url = (key: string) => `rtmp://127.0.0.1:${rtmpPort()}/live/${key}`;
	const keep = (publisher: RtmpPublisherProcess) => (publishers.push(publisher), publisher);
	return {
		streamKey,
		url,
		gigStatus: async (gig: Gig) => redis().hget(`gs:gig:${gig.id}`, 'status'),
		ingestStatus: async (gig: Gig) => JSON.parse((await redis().get(`gs:ingest:${gig.id}`)) ?? 'null') as IngestStatus | null,
		/** Publishes live (ffmpeg encoding as it goes) with `key`, or the gig's current key. */
		async publish(gig: Gig, options?: PublisherOptions, key?: string): Promise<RtmpPublisherProcess> {
			return keep(publishRtmp(url(key ?? (await streamKey(gig))), options));
		},
		/** Sends a prepared clip (see prepareClip) to the gig in real time. */
		async publishClip(gig: Gig, clip: string): Promise<RtmpPublisherProcess> {
			return keep(publishClip(url(await streamKey(gig)), clip));
		},
		keep,
		/** The publishers started so far and not stopped. */
		publishers: () => [...publishers],
		/** A publisher the server refuses: it exits with the refusal's code in its output. */
		async refused(publisher: RtmpPublisherProcess, code: string): Promise<string> {
			const timeout = new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 10_000));
			expect(await Promise.race([publisher.exited, timeout]), 'the publisher was cut off').not.toBe('running');
			expect(publisher.output()).toContain(code);
			return publisher.output();
		},
		async stopAll(): Promise<void> {
			await Promise.all(publishers.splice(0).map((p) => p.stop()));
		}
	};
}

/**
 * A `/media` viewer's socket collecting the show snapshots it is sent. `next` waits for the next
 * snapshot (after the one the last `next` matched) in `state`, so a test reads them in order.
 */
export async function watchShows(viewer: TestClient, gig: Gig) {
	const shows: ShowSnapshot[] = [];
	viewer.socket.on('show', (s: ShowSnapshot) => shows.push(s));
	const joined = (await viewer.request('join', { gigId: gig.id, role: 'viewer' })) as { ok: { show: ShowSnapshot } };
	shows.push(joined.ok.show);
	let cursor = 0;
	return {
		shows,
		joined: joined.ok.show,
		/** Every state told since the last match (to check that a state never came). */
		since: () => shows.slice(cursor).map((s) => s.state),
		async next(state: ShowSnapshot['state'], { tracks, ms = 15_000 }: { tracks?: number; ms?: number } = {}): Promise<ShowSnapshot> {
			let found: number | null = null;
			await waitFor(`the viewer is told the show is ${state}${tracks === undefined ? '' : ` with ${tracks} tracks`} (told: ${shows.map((s) => s.state).join(', ')})`, () => {
				const i = shows.findIndex((s, at) => at >= cursor && s.state === state && (tracks === undefined || s.tracks.length === tracks));
				if (i >= 0) found = i;
				return i >= 0;
			}, ms);
			cursor = found! + 1;
			return shows[found!]!;
		}
	};
}
