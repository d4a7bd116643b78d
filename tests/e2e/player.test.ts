/**
 * The player a viewer expects (issue 12, during the show): a quality menu that switches the
 * simulcast layer, full screen, picture-in-picture, sound controls, a measured live delay, a
 * phone held sideways filling the screen; and the creator's health panel.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { receivedMedia } from '../support/frames.js';
import { waitFor } from '../support/media.js';
import { CLOCK_FRAME, clockCamera, NAME_SHIM, readClock, startCollector, type ClockRead } from '../../bench/frame-clock.js';

const site = siteForThisFile();

const width = async (page: Page) => (await receivedMedia(page)).videoWidth;
/**
 * Makes this page's receivers report `share` of their packets as lost from now on (0 stops it), on
 * top of what the real network lost: the stats the playback monitor reads, without shaping the
 * network (loopback loses nothing). The counters stay cumulative, as a browser's are.
 */
function loseShareOfPackets(share: number) {
	type Inbound = { type: string; packetsLost?: number; packetsReceived?: number };
	type Patched = { share: number; lost: WeakMap<object, number>; seen: WeakMap<object, number> };
	const w = window as unknown as { packetLoss?: Patched };
	if (!w.packetLoss) {
		const patched: Patched = { share: 0, lost: new WeakMap(), seen: new WeakMap() };
		w.packetLoss = patched;
		const real = RTCRtpReceiver.prototype.getStats;
		RTCRtpReceiver.prototype.getStats = async function (this: RTCRtpReceiver) {
			const report = await real.call(this);
			let received = 0;
			report.forEach((s: Inbound) => (received += s.type === 'inbound-rtp' ? (s.packetsReceived ?? 0) : 0));
			const fresh = Math.max(0, received - (patched.seen.get(this) ?? received));
			patched.seen.set(this, received);
			const lost = (patched.lost.get(this) ?? 0) + Math.round((fresh * patched.share) / (1 - patched.share));
			patched.lost.set(this, lost);
			const changed = new Map<string, unknown>();
			report.forEach((s: Inbound, id: string) => changed.set(id, s.type === 'inbound-rtp' ? { ...s, packetsLost: (s.packetsLost ?? 0) + lost } : s));
			return changed as unknown as RTCStatsReport;
		};
	}
	w.packetLoss.share = share;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function liveShow() {
	const show = await site.make.show();
	const studio = await openPage(site.browser, `${site.url}/studio/${show.gig.id}`, { person: show.creator });
	await goLive(studio);
	return { ...show, studio };
}

describe('the player', () => {
	it('switches the received picture with the quality menu and shows its resolution', async () => {
		const { gig, viewer: fan, studio } = await liveShow();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('Auto gives the big player the 1280x720 layer', async () => (await width(viewer)) === 1280, 30_000);
		await expect.poll(() => viewer.getByTestId('resolution').textContent()).toBe('720p');
		const menu = viewer.getByTestId('quality');
		expect(await menu.locator('option').allTextContents()).toEqual(['Auto (720p)', 'High', 'Medium', 'Low']);

		await menu.selectOption({ label: 'Low' });
		await waitFor('Low brings the 320x180 layer', async () => (await width(viewer)) === 320, 20_000);
		await expect.poll(() => viewer.getByTestId('resolution').textContent()).toBe('180p');
		await menu.selectOption({ label: 'Medium' });
		await waitFor('Medium brings the 640x360 layer', async () => (await width(viewer)) === 640, 20_000);
		await menu.selectOption('auto');
		await waitFor('Auto fits the player again', async () => (await width(viewer)) === 1280, 20_000);
		await closePage(viewer);
		await closePage(studio);
	}, 120_000);

	it('enters full screen and picture-in-picture, and mutes and sets the volume', async () => {
		const { gig, viewer: fan, studio } = await liveShow();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await width(viewer)) > 0, 20_000);

		await viewer.getByTestId('fullscreen').click();
		await expect.poll(() => viewer.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') ?? null), { message: 'the player box is full screen' }).toBe('player-box');
		await expect.poll(() => viewer.getByTestId('fullscreen').getAttribute('aria-label')).toBe('Leave full screen');
		await viewer.getByTestId('fullscreen').click();
		await expect.poll(() => viewer.evaluate(() => document.fullscreenElement)).toBeNull();

		await viewer.getByTestId('pip').click();
		await expect.poll(() => viewer.evaluate(() => document.pictureInPictureElement?.getAttribute('data-testid') ?? null), { message: 'the picture floats' }).toBe('player');
		await viewer.getByTestId('pip').click();
		await expect.poll(() => viewer.evaluate(() => document.pictureInPictureElement)).toBeNull();

		const video = viewer.getByTestId('player');
		await viewer.getByTestId('mute').click();
		expect(await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
		await viewer.getByTestId('mute').click();
		expect(await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
		await viewer.getByTestId('volume').fill('0.3');
		expect(await video.evaluate((v: HTMLVideoElement) => v.volume)).toBeCloseTo(0.3);
		await viewer.reload();
		await waitFor('the viewer has a picture again', async () => (await width(viewer)) > 0, 20_000);
		await expect.poll(() => viewer.getByTestId('player').evaluate((v: HTMLVideoElement) => v.volume), { message: 'the volume is kept' }).toBeCloseTo(0.3);
		await closePage(viewer);
		await closePage(studio);
	}, 90_000);

	it('fills the screen of a phone held sideways, with the chat a tap away', async () => {
		const { gig, viewer: fan, studio } = await liveShow();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan, viewport: { width: 844, height: 390 } });
		await waitFor('the viewer has a picture', async () => (await width(viewer)) > 0, 20_000);
		const box = await viewer.getByTestId('player-box').boundingBox();
		expect(box).toEqual({ x: 0, y: 0, width: 844, height: 390 });
		expect(await viewer.getByTestId('chat').isVisible()).toBe(false);
		await viewer.getByTestId('chat-toggle').click();
		await viewer.getByTestId('chat').waitFor();
		await viewer.getByTestId('chat-input').fill('from the sofa');
		await viewer.getByTestId('chat-input').press('Enter');
		await viewer.getByTestId('chat-message').filter({ hasText: 'from the sofa' }).waitFor();
		await closePage(viewer);
		await closePage(studio);
	}, 90_000);

	it('shows how far behind the host the viewer is, within 150 ms of the painted-clock measurement', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		// The studio's camera paints the time, as in bench/latency.ts.
		const context = await site.browser.newContext({ viewport: { width: 1280, height: 800 } });
		await context.addCookies([{ name: 'gs_session', value: creator.token, url: site.url }]);
		const studio = await context.newPage();
		await studio.addInitScript(NAME_SHIM + clockCamera());
		await studio.goto(`${site.url}/studio/${gig.id}`);
		await goLive(studio);
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer gets the 720p layer', async () => (await width(viewer)) === CLOCK_FRAME.width, 30_000);
		const delay = viewer.getByTestId('delay');
		await delay.waitFor({ timeout: 20_000 });

		await viewer.evaluate(NAME_SHIM);
		await viewer.evaluate(startCollector, CLOCK_FRAME);
		await viewer.evaluate(() => ((window as unknown as { benchReads: { collecting: boolean } }).benchReads.collecting = true));
		const shown: number[] = [];
		const until = Date.now() + 6000;
		while (Date.now() < until) {
			shown.push(Number(await delay.getAttribute('data-delay-ms')));
			await viewer.waitForTimeout(250);
		}
		const reads = await viewer.evaluate(() => (window as unknown as { benchReads: { reads: ClockRead[] } }).benchReads.reads);
		const painted = reads.flatMap((r) => readClock(r)?.age ?? []);
		expect(painted.length, 'the painted clock was read off the picture').toBeGreaterThan(60);
		const [measured, indicated] = [median(painted), median(shown)];
		console.info(`live delay: painted clock ${measured} ms, indicator ${indicated} ms`);
		expect(Math.abs(indicated - measured), `indicator ${indicated} ms vs painted clock ${measured} ms`).toBeLessThanOrEqual(150);
		expect(await delay.textContent()).toMatch(/behind$/);
		await closePage(viewer);
		await closePage(studio);
	}, 120_000);

	it('tells a viewer whose connection loses packets that it is struggling, and stops once it recovers', async () => {
		const { gig, viewer: fan, studio } = await liveShow();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await width(viewer)) > 0, 20_000);
		await expect.poll(() => viewer.getByTestId('delay').getAttribute('class'), { timeout: 15_000, message: 'the playback monitor reports a good connection' }).toMatch(/\bgood\b/);
		const hint = viewer.getByTestId('connection-hint');
		expect(await hint.count(), 'no hint on a clean connection').toBe(0);

		await viewer.evaluate(loseShareOfPackets, 0.2);
		await expect.poll(async () => ((await hint.count()) ? hint.textContent() : '(no hint shown)'), { timeout: 10_000, message: 'losing a fifth of the packets brings the hint' }).toContain('Your connection is struggling');
		expect(await hint.getAttribute('role')).toBe('status');

		await viewer.evaluate(loseShareOfPackets, 0);
		await expect.poll(() => hint.count(), { timeout: 10_000, message: 'the hint goes once nothing is lost' }).toBe(0);
		await closePage(viewer);
		await closePage(studio);
	}, 120_000);
});

describe('the studio’s health panel', () => {
	it('shows what the browser sends, the network, and how many viewers get each quality', async () => {
		const { gig, viewer: fan, studio } = await liveShow();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer gets the 720p layer', async () => (await width(viewer)) === 1280, 30_000);
		const panel = studio.getByTestId('health-panel');
		await expect.poll(() => panel.getByTestId('health-resolution').textContent(), { timeout: 15_000 }).toBe('1280×720');
		await expect.poll(() => panel.getByTestId('health-bitrate').textContent(), { message: 'the upload is measured' }).toMatch(/\d+(\.\d)? (kbit|Mbit)\/s/);
		await expect.poll(async () => Number((await panel.getByTestId('health-fps').textContent())!.split(' ')[0]), { message: 'frames are sent' }).toBeGreaterThan(0);
		await expect.poll(() => panel.getByTestId('health-rtt').textContent()).toMatch(/^\d+ ms$/);
		await expect.poll(() => panel.getByTestId('health-layers').textContent(), { timeout: 15_000, message: 'the one viewer gets the high layer' }).toMatch(/High 1\s*Medium 0\s*Low 0/);
		expect(await studio.getByTestId('mirror-toggle').textContent()).toContain('viewers see you the right way round');
		await closePage(viewer);
		await closePage(studio);
	}, 90_000);
});
