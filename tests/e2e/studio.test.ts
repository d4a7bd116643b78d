import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { receivedMedia, TRACK_PEER_CONNECTIONS } from '../support/frames.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { waitFor } from '../support/media.js';

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
	server = await startServerProcess();
	browser = await launchChromium();
});
afterAll(async () => {
	await browser?.close();
	await server?.stop();
});

async function openPage(on: Browser, path: string): Promise<Page> {
	const page = await on.newPage({ viewport: { width: 1280, height: 800 } });
	await page.addInitScript(TRACK_PEER_CONNECTIONS);
	await page.goto(server.url + path);
	return page;
}

describe('the studio', () => {
	it('explains blocked camera and microphone access and cannot go live without media', async () => {
		const denying = await launchChromium({ mediaPrompts: 'deny' });
		try {
			const studio = await openPage(denying, '/studio/denied-gig');
			await expect.poll(() => studio.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('Access to your camera and microphone was blocked');
			expect(await studio.getByTestId('go-live').isDisabled()).toBe(true);
			expect(await studio.getByRole('button', { name: 'Try again' }).count()).toBe(1);
		} finally {
			await denying.close();
		}
	});

	it('lists the cameras and microphones it can use', async () => {
		const studio = await openPage(browser, '/studio/devices-gig');
		await studio.getByTestId('preview').waitFor();
		await expect.poll(() => studio.getByLabel('Camera').locator('option').count()).toBeGreaterThan(0);
		expect(await studio.getByLabel('Microphone').locator('option').count()).toBeGreaterThan(0);
		await expect.poll(() => studio.getByLabel('Camera').inputValue()).not.toBe('');
		await studio.close();
	});

	it('adds a screen share that viewers see beside the camera, and takes it away again', async () => {
		const studio = await openPage(browser, '/studio/screen-gig');
		await studio.getByTestId('preview').waitFor();
		await studio.getByTestId('go-live').click();
		await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 15_000 }).toContain('Live');
		const viewer = await openPage(browser, '/gigs/screen-gig/watch');
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		expect(await viewer.locator('video').count()).toBe(1);

		await studio.getByRole('button', { name: 'Share screen' }).click();
		await expect.poll(() => viewer.locator('video').count(), { timeout: 10_000 }).toBe(2);
		await waitFor(
			'the viewer decodes both the screen and the camera',
			() => viewer.locator('video').evaluateAll((videos: HTMLVideoElement[]) => videos.every((v) => v.videoWidth > 0)),
			15_000
		);

		await studio.getByRole('button', { name: 'Stop sharing screen' }).click();
		await expect.poll(() => viewer.locator('video').count(), { timeout: 10_000 }).toBe(1);
		await studio.close();
		await viewer.close();
	}, 60_000);
});
