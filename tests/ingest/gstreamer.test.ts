import { afterEach, describe, expect, it } from 'vitest';
import { serverForThisFile } from '../support/server.js';
import { ingestProbe, watchShows } from '../support/ingest.js';
import { publishGStreamer } from '../support/rtmp-publisher.js';
import { decodeVideo } from './decode.js';
import { ingestWarnings } from '../../src/lib/server/ingest/ingest-advice.js';
import { reencodeBecause } from '../../src/lib/ingest/ingest-words.js';

// GStreamer's two RTMP clients: rtmpsink is librtmp, the client family OBS uses; rtmp2sink is GStreamer's own.
const STOP_GRACE_S = 1;
const site = serverForThisFile({ RTMP_STOP_GRACE_SECONDS: String(STOP_GRACE_S), RTMP_RECONNECT_GRACE_SECONDS: '30', RTMP_REENCODE_MAX: '2' });
const rtmp = ingestProbe(
	() => site.server.redis,
	() => site.server.server.ingest.port!
);
afterEach(() => rtmp.stopAll());

describe.each(['rtmpsink', 'rtmp2sink'] as const)('GStreamer %s publishing with x264enc’s defaults', (sink) => {
	it('goes live re-encoded (High 4:4:4 Predictive, named in words), decodes, and a clean stop ends the show after the stop grace', async () => {
		const { gig, viewer } = await site.make.show();
		const watcher = await watchShows(await site.media(viewer.cookie), gig);
		const publisher = rtmp.keep(publishGStreamer(rtmp.url(await rtmp.streamKey(gig)), sink));
		await watcher.next('live', { tracks: 2, ms: 20_000 }).catch((error: Error) => {
			throw new Error(`${error.message}\n${publisher.output()}`);
		});
		const room = (await site.server.server.sfu.existingRoom(gig.id))!;
		const video = room.producers().find((p) => p.kind === 'video')!;
		const decoded = await decodeVideo(room.router, video.id, { frames: 10 });
		expect(decoded.codec).toBe('video/VP8');
		expect(decoded.frames).toBeGreaterThanOrEqual(10);

		const status = (await rtmp.ingestStatus(gig))!;
		expect(status).toMatchObject({ bridge: 'transcode', videoReason: 'profile', video: { codec: 'h264', profile: 'f4000d' } });
		expect(reencodeBecause(status.videoReason!, status.video)).toContain('H.264 High 4:4:4 Predictive');
		expect(ingestWarnings(status).map((w) => w.code)).toContain('ENCODER_DELAY');

		// gst-launch -e sends EOS: the sink unpublishes (FCUnpublish, deleteStream) before closing.
		await publisher.stop();
		await watcher.next('interrupted');
		await watcher.next('ended', { ms: (STOP_GRACE_S + 5) * 1000 });
	}, 60_000);
});

describe('GStreamer without video', () => {
	it('an audio-only rtmp2sink stream goes live as sound alone', async () => {
		const { gig, viewer } = await site.make.show();
		const watcher = await watchShows(await site.media(viewer.cookie), gig);
		rtmp.keep(publishGStreamer(rtmp.url(await rtmp.streamKey(gig)), 'rtmp2sink', { video: false }));
		const live = await watcher.next('live', { tracks: 1, ms: 20_000 });
		expect(live.tracks.map((t) => t.kind)).toEqual(['audio']);
	}, 60_000);
});
