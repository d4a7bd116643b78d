import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { receivedMedia } from '../support/frames.js';
import { goLive, openPage } from '../support/pages.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { startBlipProxy, type BlipProxy } from '../support/blip-proxy.js';
import { waitFor } from '../support/media.js';

let server: ServerProcess;
let proxy: BlipProxy;
let browser: Browser;

beforeAll(async () => {
	server = await startServerProcess();
	proxy = await startBlipProxy(Number(new URL(server.url).port));
	browser = await launchChromium();
});
afterAll(async () => {
	await browser?.close();
	await proxy?.close();
	await server?.stop();
});


describe('network blips', () => {
	it('brings host and viewer back by themselves after their connections drop', async () => {
		const studio = await openPage(browser, proxy.url + '/studio/blip-gig');
		await goLive(studio);
		const viewer = await openPage(browser, proxy.url + '/gigs/blip-gig/watch');
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
		await studio.close();
		await viewer.close();
	}, 90_000);
});

describe('media server failure', () => {
	it('rebuilds a live show on a new mediasoup worker when its worker dies', async () => {
		const studio = await openPage(browser, proxy.url + '/studio/crash-gig');
		await goLive(studio);
		const viewer = await openPage(browser, proxy.url + '/gigs/crash-gig/watch');
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);

		const workers = execFileSync('pgrep', ['-P', String(server.pid), '-f', 'mediasoup-worker']).toString().trim().split('\n');
		expect(workers).toHaveLength(1);
		process.kill(Number(workers[0]), 'SIGKILL');

		await waitFor('the server replaced the worker', () => server.logs.some((l) => l.includes('mediasoup worker died')), 10_000);
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
		await studio.close();
		await viewer.close();
	}, 90_000);
});
