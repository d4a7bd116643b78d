/**
 * The show's state as the creator and viewers live it (issue 12, bugs 2-5): ending asks first,
 * an ended show stays ended (Resume for a few minutes), a reloaded studio knows its running show,
 * and going live long before the start asks and moves the start.
 */
import { describe, expect, it } from 'vitest';
import { receivedMedia } from '../support/frames.js';
import { closePage, endShow, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { connectClient } from '../support/server.js';
import { waitFor } from '../support/media.js';
import { utcToZonedTime } from '../../src/lib/server/gigs/zoned-time.js';
import { RESUME_WINDOW_MS } from '../../src/lib/show-times.js';

const site = siteForThisFile();
const PHONE = { width: 390, height: 844 };

const gigField = (gigId: string, field: string) => site.redis.hget(`gs:gig:${gigId}`, field);
const framesFlow = (page: Parameters<typeof receivedMedia>[0], what: string) => waitFor(what, async () => (await receivedMedia(page)).videoWidth > 0, 20_000);

/** The creator's `/media` connection as a host, without a browser: what the server allows. */
async function rawHost(cookie: string, gigId: string) {
	const host = await connectClient(site.url, cookie);
	const joined = await host.request('join', { gigId, role: 'host' });
	expect(joined, 'the creator may join as host').toHaveProperty('ok');
	return host;
}

/** A live show from the studio, with a ticket holder watching it. */
async function watchedShow() {
	const { gig, creator, viewer: fan } = await site.make.show();
	const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
	await goLive(studio);
	const startedAt = await gigField(gig.id, 'startedAt');
	const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
	await framesFlow(viewer, 'the viewer has a picture');
	return { gig, creator, studio, viewer, startedAt };
}

describe('ending a show', () => {
	it('asks first, keeps the show on air when the creator keeps going, and on a phone End show is far from Share screen', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator, viewport: PHONE });
		await goLive(studio);
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await framesFlow(viewer, 'the viewer has a picture');

		// On a phone the controls stack: End show sits with the status above the preview, Share screen below it.
		const end = await studio.getByTestId('end-show').boundingBox();
		const share = await studio.getByRole('button', { name: 'Share screen' }).boundingBox();
		const preview = await studio.getByTestId('preview').boundingBox();
		expect(end!.y + end!.height, 'End show is above the preview').toBeLessThanOrEqual(preview!.y);
		expect(share!.y, 'Share screen is below the preview').toBeGreaterThanOrEqual(preview!.y + preview!.height);

		await studio.getByTestId('end-show').click();
		const dialog = studio.getByTestId('confirm-end');
		await dialog.waitFor();
		expect(await dialog.textContent()).toContain('End the show for everyone?');
		await studio.getByTestId('confirm-end-cancel').click();
		await expect.poll(() => dialog.isVisible()).toBe(false);
		expect(await studio.getByTestId('broadcast-status').getAttribute('data-phase'), 'keeping going leaves the show live').toBe('live');
		expect(await viewer.getByTestId('show-state').textContent()).toContain('Live');
		expect(await gigField(gig.id, 'status')).toBe('live');

		await endShow(studio);
		await expect.poll(() => viewer.getByTestId('player-overlay').textContent(), { timeout: 10_000, message: 'the viewer is told it ended' }).toContain('This show has ended');
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);
});

describe('an ended show', () => {
	it('stays ended: a reloaded studio offers Resume (not Go live), the server refuses a plain start, and Resume brings viewers back', async () => {
		const { gig, creator, studio, viewer, startedAt } = await watchedShow();
		await endShow(studio);

		await studio.reload();
		await studio.getByTestId('studio-ended').waitFor();
		expect(await studio.getByTestId('go-live').count(), 'no Go live on an ended show').toBe(0);
		expect(await studio.getByTestId('broadcast-status').textContent()).toContain('Show ended');

		const host = await rawHost(creator.cookie, gig.id);
		const refused = await host.request('show:start', {});
		expect((refused as { error?: { code: string } }).error?.code, 'a plain start of an ended show is refused').toBe('SHOW_ENDED');
		host.close();
		expect(await gigField(gig.id, 'status')).toBe('ended');
		expect(await viewer.getByTestId('player-overlay').textContent()).toContain('This show has ended');

		await studio.getByTestId('preview').waitFor();
		await studio.getByTestId('resume-show').click();
		await expect.poll(() => studio.getByTestId('broadcast-status').getAttribute('data-phase'), { timeout: 15_000 }).toBe('live');
		await viewer.getByTestId('show-resumed').waitFor({ timeout: 10_000 });
		await framesFlow(viewer, 'the viewer gets the picture again');
		expect(await gigField(gig.id, 'status')).toBe('live');
		expect(await gigField(gig.id, 'startedAt'), 'the resumed show keeps its start').toBe(startedAt);
		await closePage(studio);
		await closePage(viewer);
	}, 120_000);

	it('cannot be resumed once its few minutes are over', async () => {
		const { gig, creator } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		await endShow(studio);
		// As if the show had ended a while ago.
		await site.redis.hset(`gs:gig:${gig.id}`, 'endedAt', String(Date.now() - RESUME_WINDOW_MS - 60_000));
		await studio.reload();
		await studio.getByTestId('studio-over').waitFor();
		expect(await studio.getByTestId('resume-show').count()).toBe(0);
		expect(await studio.getByTestId('go-live').count()).toBe(0);
		const host = await rawHost(creator.cookie, gig.id);
		expect(((await host.request('show:start', { resume: true })) as { error?: { code: string } }).error?.code).toBe('SHOW_ENDED');
		host.close();
		await closePage(studio);
	}, 90_000);
});

describe('a studio reloaded mid-show', () => {
	it('says the show is paused with viewers waiting, and resumes the same show', async () => {
		const { gig, creator, studio, viewer, startedAt } = await watchedShow();

		await studio.reload();
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 10_000, message: 'the viewer sees the show paused' }).toContain('Paused');
		const paused = studio.getByTestId('studio-paused');
		await paused.waitFor({ timeout: 10_000 });
		await expect.poll(() => paused.textContent(), { message: 'the studio says a viewer is waiting' }).toContain('1 person is waiting');
		expect(await studio.getByTestId('broadcast-status').textContent()).toContain('Paused');
		expect(await studio.getByTestId('go-live').count(), 'no plain Go live while the show runs').toBe(0);

		await studio.getByTestId('preview').waitFor();
		await studio.getByTestId('resume-show').click();
		await expect.poll(() => studio.getByTestId('broadcast-status').getAttribute('data-phase'), { timeout: 15_000 }).toBe('live');
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 10_000 }).toContain('Live');
		await framesFlow(viewer, 'the viewer gets the picture again');
		expect(await gigField(gig.id, 'startedAt'), 'the same show goes on').toBe(startedAt);
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);
});

describe('going live long before the start', () => {
	it('asks first, then moves the start to now: the listing and ticket holders see it started early', async () => {
		const later = Date.now() + 3 * 24 * 3600_000;
		const { gig, creator, viewer: fan } = await site.make.show({ startsAtLocal: utcToZonedTime(later, 'Europe/Berlin'), title: 'Far ahead' });
		const scheduled = Number(await gigField(gig.id, 'startsAt'));
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}`, { person: fan });
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await studio.getByTestId('preview').waitFor();

		await studio.getByTestId('go-live').click();
		const dialog = studio.getByTestId('confirm-early');
		await dialog.waitFor();
		expect(await dialog.textContent()).toMatch(/Go live 3 days early\?/);
		await studio.getByTestId('confirm-early-cancel').click();
		expect(await studio.getByTestId('broadcast-status').getAttribute('data-phase'), 'cancelling leaves the studio off air').toBe('off-air');
		expect(await gigField(gig.id, 'status')).toBe('scheduled');

		await studio.getByTestId('go-live').click();
		const before = Date.now();
		await studio.getByTestId('confirm-early-confirm').click();
		await expect.poll(() => studio.getByTestId('broadcast-status').getAttribute('data-phase'), { timeout: 15_000 }).toBe('live');
		const startsAt = Number(await gigField(gig.id, 'startsAt'));
		expect(startsAt, 'the start moved to now').toBeGreaterThanOrEqual(before - 1000);
		expect(startsAt).toBeLessThan(Date.now());
		expect(Number(await gigField(gig.id, 'scheduledFor')), 'the old start is remembered').toBe(scheduled);

		// The ticket holder's open page follows by itself and says so.
		await page.getByTestId('started-early').waitFor({ timeout: 10_000 });
		expect(await page.getByTestId('ticket-area').textContent()).toContain('Watch now');
		const home = await openPage(site.browser, `${site.url}/`, { person: fan });
		const card = home.getByRole('region', { name: 'Live now' }).getByRole('article').filter({ hasText: 'Far ahead' });
		await card.waitFor();
		const shown = await card.locator('time').first().getAttribute('datetime');
		expect(Math.abs(new Date(shown!).getTime() - startsAt), 'the live card shows today’s start, not the old date').toBeLessThan(60_000);
		const me = await openPage(site.browser, `${site.url}/me`, { person: fan });
		expect(await me.getByTestId('ticket-started-early').textContent()).toContain('Started early');
		for (const p of [page, studio, home, me]) await closePage(p);
	}, 90_000);
});
