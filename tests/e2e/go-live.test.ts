import { describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { receivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { waitFor } from '../support/media.js';
import { evaluateWithoutGesture, waitWithoutGesture } from '../support/gesture-free.js';

const site = siteForThisFile();

describe('going live from a browser tab', () => {
	it('shows a waiting viewer the show live with real frames and sound, then ended', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent()).toContain('Waiting for the show');

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);

		// The viewer switches to live by itself, without a reload.
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 10_000 }).toContain('Live');
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		// A big player gets the full 720p layer once bandwidth estimation has ramped up.
		await waitFor('the big player reaches the 1280x720 layer', async () => (await receivedMedia(viewer)).videoWidth === 1280, 20_000);
		const first = await receivedMedia(viewer);
		await viewer.waitForTimeout(3000);
		const later = await receivedMedia(viewer);
		expect(later.framesDecoded, 'frames keep being decoded').toBeGreaterThan(first.framesDecoded + 30);
		expect(later.audioPackets, 'audio keeps arriving').toBeGreaterThan(first.audioPackets + 50);

		// The creator sees an upstream bitrate.
		await expect.poll(() => studio.getByTestId('upstream-bitrate').textContent(), { timeout: 10_000 }).toMatch(/\d/);

		await studio.getByTestId('end-show').click();
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000 }).toContain('This show has ended');
		await expect.poll(() => studio.getByTestId('broadcast-status').textContent()).toContain('Show ended');
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);

	it('sends a small player the lower simulcast layer', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);

		const small = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { viewport: { width: 400, height: 300 }, person: viewer });
		await waitFor('the small viewer has a picture', async () => (await receivedMedia(small)).videoWidth > 0, 15_000);
		// 400 px wide player: ~225 px tall, so the 360p layer (640x360) or smaller, never 720p.
		await waitFor(
			'the small player settles on a lower layer',
			async () => {
				const width = (await receivedMedia(small)).videoWidth;
				return width > 0 && width <= 640;
			},
			20_000
		);
		await closePage(small);
		await closePage(studio);
	}, 90_000);
});

describe('autoplay rules', () => {
	it('starts muted with a visible unmute control when the browser refuses sound', async () => {
		const strict = await launchChromium({ autoplay: 'needs-gesture' });
		try {
			const { gig, creator, viewer: fan } = await site.make.show();
			const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
			await goLive(studio);

			const viewer = await openPage(strict, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
			// Playwright's own waits and evaluate() carry a user gesture, which would lift the policy:
			// watch the page without one until it has decided how to play.
			await waitWithoutGesture(viewer, `!!document.querySelector('[data-testid="unmute"]')`, 15_000);
			expect(await evaluateWithoutGesture(viewer, `(() => { const v = document.querySelector('[data-testid="player"]'); return v.muted && !v.paused; })()`)).toBe(true);
			const unmute = viewer.getByTestId('unmute');
			await unmute.click();
			await expect.poll(() => viewer.getByTestId('player').evaluate((v: HTMLVideoElement) => v.muted)).toBe(false);
			await expect.poll(() => unmute.count()).toBe(0);
			await closePage(studio);
		} finally {
			await strict.close();
		}
	}, 60_000);
});
