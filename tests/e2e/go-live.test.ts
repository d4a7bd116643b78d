import { describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { receivedMedia, TRACK_PEER_CONNECTIONS } from '../support/frames.js';
import { closePage, endShow, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { waitFor } from '../support/media.js';
import { evaluateWithoutGesture, waitWithoutGesture } from '../support/gesture-free.js';

const site = siteForThisFile();

describe('the whole path through the pages', () => {
	it('creator signs up and goes live from a registered gig; a viewer signs up, gets a ticket and watches', async () => {
		const creator = await site.browser.newContext({ viewport: { width: 1280, height: 800 } });
		const studio = await creator.newPage();
		await studio.addInitScript(TRACK_PEER_CONNECTIONS);
		await studio.goto(`${site.url}/signup`);
		const creatorEmail = `creator-${Date.now()}@example.test`;
		await studio.fill('input[name=displayName]', 'The E2E Band');
		await studio.fill('input[name=email]', creatorEmail);
		await studio.fill('input[name=password]', 'correct horse battery staple');
		await studio.getByRole('button', { name: 'Sign up' }).click();
		await studio.waitForURL(`${site.url}/`);
		// Putting on gigs needs a confirmed email (tests/http/email-confirmation.test.ts follows the real link).
		await site.make.confirmEmail(creatorEmail);
		await studio.goto(`${site.url}/me`);
		await studio.getByRole('button', { name: /become a creator/i }).click();
		await expect.poll(() => studio.locator('body').textContent()).toContain('The E2E Band');

		await studio.goto(`${site.url}/gigs/new`);
		await studio.fill('input[name=title]', 'End-to-end night');
		await studio.selectOption('select[name=category]', 'concert');
		await studio.fill('input[name=startsAtLocal]', '2031-06-01T20:00');
		await studio.fill('input[name=price]', '0');
		await studio.getByRole('button', { name: 'Create gig' }).click();
		await studio.waitForURL(/\/gigs\/[a-z0-9]+\/credentials/);
		const gigId = /\/gigs\/([a-z0-9]+)\//.exec(studio.url())![1]!;
		await studio.getByRole('link', { name: /go live from this browser/i }).click();
		await studio.waitForURL(`${site.url}/studio/${gigId}`);
		await goLive(studio);

		const fan = await site.browser.newContext({ viewport: { width: 1280, height: 800 } });
		const viewer = await fan.newPage();
		await viewer.addInitScript(TRACK_PEER_CONNECTIONS);
		await viewer.goto(`${site.url}/signup?next=${encodeURIComponent(`/gigs/${gigId}`)}`);
		await viewer.fill('input[name=displayName]', 'A Fan');
		await viewer.fill('input[name=email]', `fan-${Date.now()}@example.test`);
		await viewer.fill('input[name=password]', 'correct horse battery staple');
		await viewer.getByRole('button', { name: 'Sign up' }).click();
		await viewer.waitForURL(`${site.url}/gigs/${gigId}`);
		await viewer.getByTestId('buy-free').click();
		await viewer.getByRole('link', { name: /watch/i }).first().click();
		await viewer.waitForURL(`${site.url}/gigs/${gigId}/watch`);
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 20_000);
		const first = await receivedMedia(viewer);
		await viewer.waitForTimeout(2000);
		expect((await receivedMedia(viewer)).framesDecoded).toBeGreaterThan(first.framesDecoded + 20);
		await creator.close();
		await fan.close();
	}, 120_000);
});

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

		await endShow(studio);
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000 }).toContain('This show has ended');
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
