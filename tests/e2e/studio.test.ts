import { describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { receivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { waitFor } from '../support/media.js';

const site = siteForThisFile();

describe('the studio', () => {
	it('explains blocked camera and microphone access and cannot go live without media', async () => {
		const denying = await launchChromium({ mediaPrompts: 'deny' });
		try {
			const { gig, creator } = await site.make.show();
			const studio = await openPage(denying, `${site.url}/studio/${gig.id}`, { person: creator });
			await expect.poll(() => studio.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('Access to your camera and microphone was blocked');
			expect(await studio.getByTestId('go-live').isDisabled()).toBe(true);
			expect(await studio.getByRole('button', { name: 'Try again' }).count()).toBe(1);
		} finally {
			await denying.close();
		}
	});

	it('lists the cameras and microphones it can use', async () => {
		const { gig, creator } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await studio.getByTestId('preview').waitFor();
		await expect.poll(() => studio.getByLabel('Camera').locator('option').count()).toBeGreaterThan(0);
		expect(await studio.getByLabel('Microphone').locator('option').count()).toBeGreaterThan(0);
		await expect.poll(() => studio.getByLabel('Camera').inputValue()).not.toBe('');
		await closePage(studio);
	});

	it('adds a screen share that viewers see beside the camera, and takes it away again', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		expect(await viewer.locator('video').count()).toBe(1);

		await studio.getByRole('button', { name: 'Share screen' }).click();
		await expect.poll(() => viewer.locator('video').count(), { timeout: 10_000 }).toBe(2);
		await waitFor(
			'the viewer decodes both the screen and the camera',
			() => viewer.locator('video').evaluateAll((videos: HTMLVideoElement[]) => videos.every((v) => v.videoWidth > 0)),
			15_000
		);

		// The camera is now a corner tile: it drops to the smallest simulcast layer (320x180 of 1280x720).
		await waitFor(
			'the camera tile gets the smallest layer',
			async () => (await viewer.locator('[data-testid="tile"] video').evaluate((v: HTMLVideoElement) => v.videoWidth)) === 320,
			20_000
		);

		await studio.getByRole('button', { name: 'Stop sharing screen' }).click();
		await expect.poll(() => viewer.locator('video').count(), { timeout: 10_000 }).toBe(1);
		await closePage(studio);
		await closePage(viewer);
	}, 60_000);
});
