import { afterEach, describe, expect, it } from 'vitest';
import { serverForThisFile } from '../support/server.js';
import { ingestProbe } from '../support/ingest.js';
import { waitFor } from '../support/media.js';
import { prepareClip } from '../support/rtmp-publisher.js';
import { receiveRtpTimestamps } from './decode.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const site = serverForThisFile();
const rtmp = ingestProbe(
	() => site.server.redis,
	() => site.server.server.ingest.port!
);
afterEach(() => rtmp.stopAll());

async function opusTimestampSteps(gig: Gig): Promise<Map<number, number>> {
	await waitFor('the gig has its microphone', async () => ((await site.server.server.sfu.existingRoom(gig.id))?.producers() ?? []).some((p) => p.kind === 'audio'), 20_000);
	const room = (await site.server.server.sfu.existingRoom(gig.id))!;
	const audio = room.producers().find((p) => p.kind === 'audio')!;
	const timestamps = await receiveRtpTimestamps(room.router, audio.id, { count: 150 });
	expect(timestamps.length, 'three seconds of Opus arrived').toBeGreaterThanOrEqual(150);
	const steps = new Map<number, number>();
	for (let i = 1; i < timestamps.length; i++) {
		const step = (timestamps[i]! - timestamps[i - 1]! + 2 ** 32) % 2 ** 32;
		steps.set(step, (steps.get(step) ?? 0) + 1);
	}
	return steps;
}

describe('sound from an RTMP encoder', () => {
	// FLV timestamps are whole milliseconds: AAC's 1024-sample frames arrive 21 or 22 ms apart, and
	// Opus timed from them stepped 952, 960 or 968 samples, which browsers heard as ~16 glitches a second.
	it('reaches the router as Opus packets exactly 960 samples (20 ms) apart, passed through or re-encoded', async () => {
		for (const profile of ['main', 'high'] as const) {
			const { gig } = await site.make.show();
			await rtmp.publishClip(gig, await prepareClip({ profile, size: '640x360', fps: 30 }, 6));
			const steps = await opusTimestampSteps(gig);
			expect(Object.fromEntries(steps), `every step is 960 (${profile})`).toEqual({ 960: 149 });
			await rtmp.stopAll();
		}
	}, 90_000);

	it('reaches the router as 960-sample steps from a live encoder, whose audio frames come with jittery timestamps', async () => {
		const { gig } = await site.make.show();
		await rtmp.publish(gig, { size: '320x180' });
		const steps = await opusTimestampSteps(gig);
		expect(Object.fromEntries(steps)).toEqual({ 960: 149 });
	}, 60_000);
});
