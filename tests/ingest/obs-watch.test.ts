import { mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { receivedMedia } from '../support/frames.js';
import { closePage, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { waitFor } from '../support/media.js';
import { publishRtmp, type RtmpPublisherProcess } from '../support/rtmp-publisher.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const site = siteForThisFile({ env: () => ({ RTMP_PORT: '0' }) });
const publishers: RtmpPublisherProcess[] = [];
// Screenshots of the credentials page with an encoder connected, to look at (not compared).
const SHOTS = process.env.GIGSTAGE_SCREENSHOTS;

afterEach(async () => {
	await Promise.all(publishers.splice(0).map((p) => p.stop()));
});

/** The RTMP port the server bound (RTMP_PORT=0), from its start-up log. */
function rtmpPort(): number {
	const line = site.server.logs.find((l) => l.includes('OBS/RTMP ingest is up'));
	const port = line && /rtmp:\/\/[^:]+:(\d+)\//.exec(line)?.[1];
	if (!port) throw new Error(`the server did not log its RTMP port:\n${site.server.logs.join('\n')}`);
	return Number(port);
}

async function publishTo(gig: Gig, profile: 'main' | 'high' = 'main'): Promise<RtmpPublisherProcess> {
	const key = (await site.redis.hget(`gs:gig:${gig.id}`, 'streamKey'))!;
	const publisher = publishRtmp(`rtmp://127.0.0.1:${rtmpPort()}/live/${key}`, { profile, size: '1280x720' });
	publishers.push(publisher);
	return publisher;
}

describe('watching a show streamed from OBS', () => {
	it('a ticket holder’s browser decodes the OBS picture and sound, then sees the show end when OBS stops', async () => {
		const { gig, viewer: fan } = await site.make.show();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent()).toContain('Waiting for the show');
		// The profiles the bridge passes through (browsersDecode) must be ones this browser receives.
		const h264 = await viewer.evaluate(() => RTCRtpReceiver.getCapabilities('video')!.codecs.filter((c) => c.mimeType === 'video/H264').map((c) => c.sdpFmtpLine ?? ''));
		expect(h264.join(' ')).toContain('profile-level-id=42e01f');
		expect(h264.join(' ')).toContain('profile-level-id=4d001f');

		const publisher = await publishTo(gig, 'main');
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 15_000, message: 'the viewer switches to live' }).toContain('Live');
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		expect((await receivedMedia(viewer)).videoWidth, 'the H.264 stream arrives at its own size').toBe(1280);
		const first = await receivedMedia(viewer);
		await viewer.waitForTimeout(3000);
		const later = await receivedMedia(viewer);
		expect(later.framesDecoded, 'frames keep being decoded').toBeGreaterThan(first.framesDecoded + 45);
		expect(later.audioPackets, 'audio keeps arriving').toBeGreaterThan(first.audioPackets + 50);

		await publisher.stop();
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000 }).toContain('This show has ended');
		await closePage(viewer);
	}, 90_000);

	it('a High-profile stream, which this browser cannot receive as it is, reaches it re-encoded', async () => {
		const { gig, viewer: fan } = await site.make.show();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await publishTo(gig, 'high');
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 20_000);
		const first = await receivedMedia(viewer);
		await viewer.waitForTimeout(2000);
		expect((await receivedMedia(viewer)).framesDecoded).toBeGreaterThan(first.framesDecoded + 30);
		await closePage(viewer);
	}, 90_000);

	it('shows the creator the connected encoder with its bitrate, and warns about B-frames', async () => {
		const { gig, creator } = await site.make.show();
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/credentials`, { person: creator });
		await expect.poll(() => page.getByTestId('ingest-status').textContent()).toContain('Not connected');
		expect(await page.locator('#rtmp-url').inputValue()).toBe(`rtmp://127.0.0.1:${rtmpPort()}/live`);

		const publisher = await publishTo(gig);
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 15_000 }).toContain('Encoder connected');
		await expect.poll(() => page.getByTestId('ingest-bitrate').textContent(), { timeout: 10_000 }).toMatch(/[1-9][\d,]* kbit\/s/);
		await expect.poll(() => page.locator('.facts').textContent(), { timeout: 10_000 }).toContain('H.264 Main 1280×720, passed through');
		expect(await page.getByTestId('ingest-warnings').count()).toBe(0);
		if (SHOTS) {
			mkdirSync(SHOTS, { recursive: true });
			await page.screenshot({ path: `${SHOTS}/credentials-desktop.png`, fullPage: true });
			await page.setViewportSize({ width: 390, height: 844 });
			await page.screenshot({ path: `${SHOTS}/credentials-mobile.png`, fullPage: true });
		}
		await publisher.stop();
		await expect.poll(() => page.getByTestId('ingest-status').textContent(), { timeout: 10_000 }).toContain('Not connected');

		const key = (await site.redis.hget(`gs:gig:${gig.id}`, 'streamKey'))!;
		publishers.push(publishRtmp(`rtmp://127.0.0.1:${rtmpPort()}/live/${key}`, { bframes: 2 }));
		await expect.poll(() => page.getByTestId('ingest-warnings').textContent(), { timeout: 15_000 }).toContain('B-frames');
		if (SHOTS) await page.screenshot({ path: `${SHOTS}/credentials-mobile-warning.png`, fullPage: true });
		await closePage(page);
	}, 90_000);
});
