import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { receivedMedia } from '../support/frames.js';
import { closePage, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { waitFor } from '../support/media.js';
import { ingestProbe } from '../support/ingest.js';
import { OBS_DEFAULTS, RECOMMENDED, prepareClip } from '../support/rtmp-publisher.js';
import { between, viewerStats } from '../support/viewer-stats.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import type { Person } from '../support/fixtures.js';

const site = siteForThisFile({ env: () => ({ RTMP_PORT: '0', RTMP_STOP_GRACE_SECONDS: '1' }) });
// Screenshots of the pages, to look at (not compared).
const SHOTS = process.env.GIGSTAGE_SCREENSHOTS;

/** The RTMP port the server bound (RTMP_PORT=0), from its start-up log. */
function rtmpPort(): number {
	const line = site.server.logs.find((l) => l.includes('OBS/RTMP ingest is up'));
	const port = line && /rtmp:\/\/[^:]+:(\d+)\//.exec(line)?.[1];
	if (!port) throw new Error(`the server did not log its RTMP port:\n${site.server.logs.join('\n')}`);
	return Number(port);
}
const rtmp = ingestProbe(() => site.redis, rtmpPort);
afterEach(() => rtmp.stopAll());

/** A watch page from before the show starts, and the time from publishing to its first decoded frame. */
async function watchFromStart(gig: Gig, fan: Person, publish: () => Promise<unknown>): Promise<{ viewer: Page; firstFrameMs: number }> {
	const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
	await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 15_000 }).toContain('Waiting for the show');
	const started = Date.now();
	await publish();
	await waitFor('the viewer decodes a frame', async () => (await viewerStats(viewer)).video.framesDecoded > 0, 30_000);
	return { viewer, firstFrameMs: Date.now() - started };
}

/** Viewer stats over `seconds` once jitter buffers have settled. */
async function steadyStats(viewer: Page, seconds: number) {
	await viewer.waitForTimeout(2000);
	const first = await viewerStats(viewer);
	await viewer.waitForTimeout(seconds * 1000);
	return between(first, await viewerStats(viewer));
}

describe('watching a show streamed from OBS', () => {
	it('with the recommended settings: passed through, 30 fps without freezes, clean sound; the show ends after OBS stops', async () => {
		const { gig, viewer: fan } = await site.make.show();
		const clip = await prepareClip(RECOMMENDED, 8);
		const { viewer, firstFrameMs } = await watchFromStart(gig, fan, () => rtmp.publishClip(gig, clip));
		// The profiles the bridge passes through (browsersDecode) must be ones this browser receives.
		const h264 = await viewer.evaluate(() => RTCRtpReceiver.getCapabilities('video')!.codecs.filter((c) => c.mimeType === 'video/H264').map((c) => c.sdpFmtpLine ?? ''));
		expect(h264.join(' ')).toContain('profile-level-id=42e01f');
		expect(h264.join(' ')).toContain('profile-level-id=4d001f');
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 15_000 }).toContain('Live');
		await waitFor('the H.264 stream arrives at its own size', async () => (await receivedMedia(viewer)).videoWidth === 1280);

		const stats = await steadyStats(viewer, 6);
		// Before the bridge re-timed the sound: 27.5-29.2 % of it concealed. Measured since on the
		// shared 2-core machine at load 20-35 (eight engineers' tests): first frame 1970-2410 ms,
		// 28-30 fps, 0-1 freeze (at most 0.22 s), 0-6 % concealed (the browser studio's own sound
		// 0-5 % there). Thresholds leave room for a busier run and still catch the old fault; the
		// exact 960-sample steps are checked in rtmp-audio.test.ts, the figures in bench:rtmp.
		expect(firstFrameMs, 'publish to first frame').toBeLessThan(6000);
		expect(stats.fps).toBeGreaterThan(20);
		expect(stats.freezeSeconds).toBeLessThan(1);
		expect(stats.concealed, 'share of sound concealed').toBeLessThan(0.1);

		await rtmp.stopAll();
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000 }).toContain('The show is paused');
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000 }).toContain('This show has ended');
		await closePage(viewer);
	}, 120_000);

	it('with OBS’s defaults (1080p60 High, 2 B-frames): re-encoded to 720p30, a first picture within seconds and clean sound', async () => {
		const { gig, viewer: fan } = await site.make.show();
		const clip = await prepareClip(OBS_DEFAULTS, 8);
		const { viewer, firstFrameMs } = await watchFromStart(gig, fan, () => rtmp.publishClip(gig, clip));
		const stats = await steadyStats(viewer, 6);
		expect(stats.size).toBe('1280x720');
		// Before: 4 fps, four 2.5 s freezes, first frame after 12.8 s, 94 % of the sound concealed
		// (the same at load 20 here: 4-10 fps, 66-99 % concealed, first frame 9.4 s). Measured since
		// at load 16-35 on this shared 2-core machine, where the re-encode gets a fraction of the
		// third of a core it needs: first frame 2.6-2.8 s, 0-7 % concealed, and a frame rate that
		// follows the load (4.7-21 fps, 0.4-4.7 s frozen of 6). The sound and the first frame tell
		// the fix from the fault whatever the load; the picture is only asked to keep moving here.
		// With the room the re-encode needs it is 30 fps without freezes (bench:rtmp).
		expect(firstFrameMs, 'publish to first frame').toBeLessThan(6000);
		expect(stats.concealed, 'share of sound concealed').toBeLessThan(0.2);
		expect(stats.fps, 'the picture keeps moving').toBeGreaterThan(2);
		expect(stats.freezeSeconds, 'seconds frozen out of 6').toBeLessThan(5);
		await closePage(viewer);
	}, 120_000);

	it('an audio-only show gets the audio player: the gig’s cover, “audio only” and a moving sound meter, no empty video box', async () => {
		const { gig, viewer: fan } = await site.make.show();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await rtmp.publish(gig, { video: false });
		const player = viewer.getByTestId('audio-only-player');
		await player.waitFor({ timeout: 20_000 });
		expect(await player.textContent()).toContain('Audio only');
		await waitFor('the meter moves', async () => Number(await player.getAttribute('data-level')) > 0.05, 10_000);
		expect(await viewer.getByTestId('player').isVisible(), 'no video box is shown').toBe(false);
		await waitFor('sound keeps arriving', async () => (await receivedMedia(viewer)).audioPackets > 50);
		if (SHOTS) {
			mkdirSync(SHOTS, { recursive: true });
			await viewer.screenshot({ path: `${SHOTS}/watch-audio-only-desktop.png` });
			await viewer.setViewportSize({ width: 390, height: 844 });
			await viewer.screenshot({ path: `${SHOTS}/watch-audio-only-phone.png`, fullPage: true });
		}
		await closePage(viewer);
	}, 60_000);
});

describe('the creator’s credentials page', () => {
	it('asks first for the OBS settings that avoid a re-encode, copies them in one click, and explains what arrives', async () => {
		const { gig, creator } = await site.make.show();
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/credentials`, { person: creator, viewport: { width: 1366, height: 768 } });
		await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 15_000 }).toContain('Not connected');
		expect(await page.locator('#rtmp-url').inputValue()).toBe(`rtmp://127.0.0.1:${rtmpPort()}/live`);
		// The settings come first in the OBS section, before the status and the server and key.
		const order = await page.evaluate(() => ['obs-settings', 'ingest-status', 'rtmp-url-value'].map((id) => document.querySelector(`[data-testid="${id}"]`)!.getBoundingClientRect().top));
		expect(order).toEqual([...order].sort((a, b) => a - b));
		const box = await page.getByTestId('obs-settings').textContent();
		for (const words of ['Profile', 'main', 'B-frames 0', 'Keyframe Interval', '1 s', 'CBR', 'zerolatency', 'as it is', 're-encode']) expect(box).toContain(words);
		await page.getByTestId('copy-obs-settings').click();
		const copied = await page.evaluate(() => navigator.clipboard.readText());
		for (const line of ['Rate Control: CBR', 'Keyframe Interval: 1 s', 'Profile: main', 'Tune: zerolatency', 'x264 Options: bframes=0']) expect(copied).toContain(line);

		await rtmp.publishClip(gig, await prepareClip(OBS_DEFAULTS, 8));
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 15_000 }).toContain('Encoder connected');
		await expect.poll(() => page.getByTestId('ingest-facts').textContent(), { timeout: 10_000 }).toMatch(/H\.264 High 1920×1080 at 60 fps, re-encoded .* because browsers do not receive H\.264 High over WebRTC/);
		await expect.poll(() => page.getByTestId('ingest-warnings').textContent(), { timeout: 10_000 }).toContain('B-frames');
		expect(await page.getByTestId('ingest-warnings').textContent()).toMatch(/holds each frame back about \d+ ms/);
		expect(await page.getByTestId('ingest-facts').textContent()).not.toMatch(/[0-9a-f]{6}/);
		await screenshots(page, 'credentials-obs-defaults');

		// The connection drops: the page says the show waits, and for how long; the same key resumes it.
		for (const publisher of rtmp.publishers()) await publisher.drop();
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 10_000 }).toMatch(/connection dropped.*within \d+ s/);
		expect(Number(await page.getByTestId('pause-seconds').textContent()), 'counting down from the 60 s grace').toBeLessThanOrEqual(60);
		await screenshots(page, 'credentials-paused');
		await rtmp.publish(gig, { ...RECOMMENDED, size: '640x360' });
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 15_000 }).toContain('Encoder connected');
		await closePage(page);
	}, 120_000);

	it('shows an audio-only stream as “audio only”, and a passed-through one without warnings', async () => {
		const { gig, creator } = await site.make.show();
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/credentials`, { person: creator });
		await rtmp.publish(gig, { video: false });
		await expect.poll(() => page.getByTestId('ingest-facts').textContent(), { timeout: 15_000 }).toContain('audio-only show');
		expect(await page.getByTestId('ingest-facts').textContent()).not.toContain('browsers cannot play');
		expect(await page.locator('[data-testid="ingest-warnings"] li').allTextContents()).toEqual([]);
		await rtmp.stopAll();
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 10_000 }).toContain('Not connected');

		await rtmp.publish(gig, { ...RECOMMENDED, size: '640x360' });
		await expect.poll(() => page.getByTestId('ingest-facts').textContent(), { timeout: 15_000 }).toContain('H.264 Main 640×360 at 30 fps, passed through');
		await expect.poll(() => page.getByTestId('ingest-status').textContent()).not.toContain('starting');
		expect(await page.locator('[data-testid="ingest-warnings"] li').allTextContents()).toEqual([]);
		await screenshots(page, 'credentials-passthrough');
		await closePage(page);
	}, 90_000);
});

/** Desktop, phone portrait and phone landscape, when GIGSTAGE_SCREENSHOTS names a folder. */
async function screenshots(page: Page, name: string): Promise<void> {
	if (!SHOTS) return;
	mkdirSync(SHOTS, { recursive: true });
	for (const [size, viewport] of [['desktop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }], ['landscape', { width: 844, height: 390 }]] as const) {
		await page.setViewportSize(viewport);
		await page.screenshot({ path: `${SHOTS}/${name}-${size}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1366, height: 768 });
}
