import { afterEach, describe, expect, it } from 'vitest';
import { serverForThisFile } from '../support/server.js';
import { ingestProbe, watchShows } from '../support/ingest.js';
import { waitFor } from '../support/media.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

// Short graces so the tests wait seconds, not a minute; the behaviour is the defaults' (60 s, 15 s).
const DROP_GRACE_S = 5;
const STOP_GRACE_S = 2;
const site = serverForThisFile({ RTMP_RECONNECT_GRACE_SECONDS: String(DROP_GRACE_S), RTMP_STOP_GRACE_SECONDS: String(STOP_GRACE_S) });
const rtmp = ingestProbe(
	() => site.server.redis,
	() => site.server.server.ingest.port!
);

afterEach(() => rtmp.stopAll());

const tracksOf = async (gig: Gig) => (await site.server.server.sfu.existingRoom(gig.id))?.producers() ?? [];

async function liveShow() {
	const { gig, viewer, creator } = await site.make.show();
	const watcher = await watchShows(await site.media(viewer.cookie), gig);
	const publisher = await rtmp.publish(gig);
	const live = await watcher.next('live', { tracks: 2 });
	return { gig, creator, watcher, publisher, live };
}

describe('an encoder that goes away mid-show', () => {
	it('a dropped connection (no unpublish) makes the show interrupted, not ended, and the same key resumes it', async () => {
		const { gig, watcher, publisher, live } = await liveShow();
		await publisher.drop();
		await watcher.next('interrupted');
		expect(await rtmp.gigStatus(gig), 'the gig stays live for listings and tickets').toBe('live');
		// Past the stop grace: a drop waits longer than a Stop.
		await new Promise((resolve) => setTimeout(resolve, (STOP_GRACE_S + 1) * 1000));
		expect(watcher.since(), 'not ended meanwhile').not.toContain('ended');

		await rtmp.publish(gig);
		const resumed = await watcher.next('live', { tracks: 2 });
		expect(resumed.startedAt, 'the same show goes on').toBe(live.startedAt);
		expect(await rtmp.gigStatus(gig)).toBe('live');
	}, 60_000);

	it('OBS’s Stop Streaming (FCUnpublish, deleteStream) ends the show after the short stop grace', async () => {
		const { gig, watcher, publisher } = await liveShow();
		const stoppedAt = Date.now();
		await publisher.stop();
		await watcher.next('interrupted');
		await watcher.next('ended', { ms: (STOP_GRACE_S + 5) * 1000 });
		expect(Date.now() - stoppedAt, 'it waited the stop grace').toBeGreaterThanOrEqual(STOP_GRACE_S * 1000 - 200);
		expect(Date.now() - stoppedAt, 'not the longer grace of a drop: the unpublish was heard').toBeLessThan(DROP_GRACE_S * 1000);
		expect(await rtmp.gigStatus(gig)).toBe('ended');
		expect(await tracksOf(gig)).toEqual([]);
	}, 60_000);

	it('ends the show when the dropped encoder does not come back within the grace', async () => {
		const { gig, watcher, publisher } = await liveShow();
		const droppedAt = Date.now();
		await publisher.drop();
		await watcher.next('interrupted');
		await watcher.next('ended', { ms: (DROP_GRACE_S + 5) * 1000 });
		expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(DROP_GRACE_S * 1000 - 200);
		await waitFor('the gig is ended', async () => (await rtmp.gigStatus(gig)) === 'ended');
	}, 60_000);

	it('refuses another stream key while the show waits for the encoder that dropped', async () => {
		const { gig, creator, watcher, publisher } = await liveShow();
		await publisher.drop();
		await watcher.next('interrupted');
		// The only other key a gig can have: a new one, made while the old encoder is away.
		await site.make.gigs.rotateStreamKey(gig.id, creator.user);
		const output = await rtmp.refused(await rtmp.publish(gig), 'SHOW_HELD');
		expect(output).toMatch(/show ends in \d+ s/);
		expect(watcher.since()).not.toContain('live');
	}, 60_000);

	it('a stream that comes back keeps the show’s viewers: they get its new tracks by themselves', async () => {
		const { gig, watcher, publisher } = await liveShow();
		const before = (await tracksOf(gig)).map((t) => t.id);
		await publisher.drop();
		await watcher.next('interrupted');
		await rtmp.publish(gig);
		const resumed = await watcher.next('live', { tracks: 2 });
		expect(resumed.tracks.map((t) => t.producerId).some((id) => before.includes(id))).toBe(false);
	}, 60_000);
});

describe('an encoder whose old connection has not closed yet', () => {
	it('takes over its own silent connection (a drop the server has not noticed) and resumes the show', async () => {
		const { gig, watcher, publisher } = await liveShow();
		// Frozen, not gone: its TCP connection stays open and silent, as after a network cut.
		publisher.child.kill('SIGSTOP');
		await new Promise((resolve) => setTimeout(resolve, 2500));
		await rtmp.publish(gig);
		await watcher.next('live', { tracks: 2 });
		expect(watcher.since().filter((s) => s === 'ended')).toEqual([]);
		publisher.child.kill('SIGKILL');
	}, 60_000);

	it('still refuses a second encoder with the key while the first one streams', async () => {
		const { gig } = await liveShow();
		await rtmp.refused(await rtmp.publish(gig), 'ALREADY_PUBLISHING');
	}, 60_000);
});
