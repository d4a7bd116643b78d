import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { startBlipProxy, type BlipProxy } from '../support/blip-proxy.js';
import { waitFor } from '../support/media.js';

const site = siteForThisFile();
let proxy: BlipProxy;

beforeAll(async () => {
	proxy = await startBlipProxy(Number(new URL(site.url).port));
});
afterAll(() => proxy?.close());

describe('network blips', () => {
	it('brings host and viewer back by themselves after their connections drop', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(site.browser, `${proxy.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(site.browser, `${proxy.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);

		proxy.blip();

		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 10_000 }).not.toContain('Live');
		await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 20_000 }).toContain('Live');
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 20_000 }).toContain('Live');
		// Media flows again on the rebuilt connection: frames keep being decoded after the blip.
		await waitFor('the viewer has a picture again', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		const before = await receivedMedia(viewer);
		await viewer.waitForTimeout(2000);
		expect((await receivedMedia(viewer)).framesDecoded).toBeGreaterThan(before.framesDecoded + 20);
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);
});

describe('media server failure', () => {
	it('rebuilds a live show on a new mediasoup worker when its worker dies', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(site.browser, `${proxy.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(site.browser, `${proxy.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);

		const workers = execFileSync('pgrep', ['-P', String(site.server.pid), '-f', 'mediasoup-worker']).toString().trim().split('\n');
		expect(workers).toHaveLength(1);
		process.kill(Number(workers[0]), 'SIGKILL');

		await waitFor('the server replaced the worker', () => site.server.logs.some((l) => l.includes('mediasoup worker died')), 10_000);
		await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 20_000 }).toContain('Live');
		// The viewer rejoined: a fresh peer connection decodes frames from the new router.
		await waitFor(
			'the viewer decodes frames again',
			async () => {
				const a = await receivedMedia(viewer);
				await viewer.waitForTimeout(1000);
				const b = await receivedMedia(viewer);
				return b.videoWidth > 0 && b.framesDecoded > a.framesDecoded + 10;
			},
			20_000
		);
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);
});
