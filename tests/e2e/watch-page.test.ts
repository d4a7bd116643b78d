/**
 * The watch page before, during and after a show (issue 12): the countdown and "starting soon",
 * the small bugs (bug 6), names everywhere a host needs them, what comes after the show, and the
 * creator's numbers of it.
 */
import { describe, expect, it } from 'vitest';
import { closePage, endShow, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { liveStreams, receivedMedia, TRACK_PEER_CONNECTIONS } from '../support/frames.js';
import { waitFor } from '../support/media.js';
import { utcToZonedTime } from '../../src/lib/server/gigs/zoned-time.js';

const site = siteForThisFile();

describe('before the show', () => {
	it('counts down to the start in the viewer’s own time zone, and says "starting soon" only while the host has the studio open', async () => {
		const startsAt = Math.ceil((Date.now() + 20 * 60_000) / 60_000) * 60_000;
		const { gig, creator, viewer: fan } = await site.make.show({ startsAtLocal: utcToZonedTime(startsAt, 'Europe/Berlin') });
		const context = await site.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
		await context.addCookies([{ name: 'gs_session', value: fan.token, url: site.url }]);
		const viewer = await context.newPage();
		await viewer.goto(`${site.url}/gigs/${gig.id}/watch`);

		const clock = viewer.getByTestId('countdown-clock');
		await clock.waitFor();
		const first = (await clock.textContent())!;
		expect(first).toMatch(/^(19|20):\d\d$/);
		await expect.poll(() => clock.textContent(), { message: 'the countdown runs' }).not.toBe(first);
		const newYork = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'America/New_York' }).format(startsAt);
		expect(await viewer.getByTestId('countdown-at').textContent(), 'the start in the viewer’s zone').toContain(newYork);
		expect(await viewer.getByTestId('show-state').textContent()).not.toContain('Starting soon');

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await expect.poll(() => viewer.getByTestId('countdown').textContent(), { timeout: 10_000, message: 'the viewer hears the studio is open' }).toContain('Starting soon');
		expect(await viewer.getByTestId('show-state').textContent()).toContain('Starting soon');
		await closePage(studio);
		await viewer.getByTestId('countdown-clock').waitFor({ timeout: 10_000 });
		await context.close();
	}, 60_000);
});

describe('small things that were wrong', () => {
	it('no empty strip under the player, no "watching" once ended, long messages said to be long, www. addresses linked', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await viewer.getByTestId('countdown').waitFor();
		await viewer.getByTestId('chat-input').waitFor();
		expect(await viewer.getByTestId('stage-controls').count(), 'nothing under the player while waiting').toBe(0);

		await viewer.getByTestId('chat-input').fill('x'.repeat(600));
		await expect.poll(() => viewer.getByTestId('chat-too-long').textContent()).toContain('100 characters too long');
		expect(await viewer.getByTestId('chat-input').inputValue(), 'nothing is cut').toHaveLength(600);
		expect(await viewer.getByTestId('chat-send').isDisabled()).toBe(true);
		await viewer.getByTestId('chat-input').press('Enter');
		expect(await viewer.getByTestId('chat-message').count(), 'nothing was sent').toBe(0);
		await viewer.getByTestId('chat-input').fill('The setlist is at www.example.org/setlist tonight');
		await viewer.getByTestId('chat-input').press('Enter');
		const link = viewer.getByTestId('chat-messages').getByRole('link', { name: 'www.example.org/setlist' });
		await link.waitFor();
		expect(await link.getAttribute('href')).toBe('https://www.example.org/setlist');

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		await viewer.getByTestId('stage-controls').waitFor({ timeout: 10_000 });
		await expect.poll(() => viewer.getByTestId('viewer-count').textContent()).toContain('1');
		await endShow(studio);
		await expect.poll(() => viewer.getByTestId('show-state').textContent(), { timeout: 10_000 }).toContain('Ended');
		expect(await viewer.getByTestId('viewer-count').count(), 'nobody is "watching" an ended show').toBe(0);
		expect(await viewer.getByTestId('stage-controls').count(), 'nothing under the player once ended').toBe(0);
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);
});

describe('names', () => {
	it('are asked at sign-up, and shown with their avatar in chat, the raised-hand queue, stage tiles and the ban list', async () => {
		const { gig, creator } = await site.make.show();
		const third = await site.make.person();
		await site.make.ticket(gig, third);

		const context = await site.browser.newContext();
		const guest = await context.newPage();
		await guest.addInitScript(TRACK_PEER_CONNECTIONS);
		await guest.goto(`${site.url}/signup`);
		const email = `guest-${Date.now()}@example.test`;
		await guest.fill('input[name=email]', email);
		await guest.fill('input[name=password]', 'correct horse battery staple');
		await guest.getByRole('button', { name: 'Sign up' }).click();
		await guest.locator('#displayName-error').waitFor();
		expect(await guest.locator('#displayName-error').textContent()).toContain('Use at least 2 characters');
		await guest.fill('input[name=displayName]', '  Mira   Okafor ');
		await guest.fill('input[name=password]', 'correct horse battery staple');
		await guest.getByRole('button', { name: 'Sign up' }).click();
		await guest.waitForURL(`${site.url}/`);
		await guest.goto(`${site.url}/me`);
		await guest.getByLabel('Amber').check();
		await guest.getByRole('button', { name: 'Save profile' }).click();
		await guest.getByText('Saved.').waitFor();
		const guestId = (await site.redis.get(`gs:user-email:${email}`))!;
		expect(await site.redis.hget(`gs:user:${guestId}`, 'displayName'), 'the name as typed, trimmed').toBe('Mira Okafor');
		const checkout = await site.make.tickets.startCheckout(gig, guestId, 'free');
		await site.make.tickets.issue(checkout.id, null);

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		await guest.goto(`${site.url}/gigs/${gig.id}/watch`);
		const watcher = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: third });

		await guest.getByTestId('chat-input').fill('Hi from Mira');
		await guest.getByTestId('chat-input').press('Enter');
		const line = studio.getByTestId('chat-message').filter({ hasText: 'Hi from Mira' });
		await line.waitFor();
		expect(await line.getByTestId('chat-name').textContent(), 'chat').toBe('Mira Okafor');
		expect(await line.getByTestId('avatar').getAttribute('data-colour')).toBe('amber');
		expect(await line.getByTestId('avatar').textContent()).toBe('M');

		await guest.getByTestId('raise-hand').click();
		const hand = studio.getByTestId('stage-queue').getByTestId('hand-name');
		await hand.waitFor();
		expect(await hand.textContent(), 'the raised-hand queue').toBe('Mira Okafor');
		await studio.getByTestId('stage-queue').getByTestId('invite').click();
		await guest.getByTestId('join-stage').click();
		await expect.poll(() => liveStreams(watcher), { timeout: 20_000, message: 'the third viewer gets host and guest' }).toMatchObject({ video: 2 });
		const tile = watcher.getByTestId('player-box').locator('.name', { hasText: 'Mira Okafor' });
		await tile.waitFor({ timeout: 10_000 });
		expect(await tile.textContent(), 'the stage tile').toContain('Mira Okafor');
		expect(await studio.getByTestId('studio-guests').textContent(), 'the host’s tile of the guest').toContain('Mira Okafor');

		await line.getByTestId('moderate').click();
		await studio.getByRole('menuitem', { name: /ban/i }).click();
		await studio.getByTestId('confirm-ban').click();
		const banned = studio.getByTestId('banned-list');
		await banned.waitFor();
		await banned.locator('summary').click();
		expect(await banned.getByTestId('banned-name').textContent(), 'the ban list').toBe('Mira Okafor');
		await closePage(studio);
		await closePage(watcher);
		await context.close();
	}, 120_000);
});

describe('after the show', () => {
	it('shows viewers the creator’s next gig with its ticket button and Follow, and the creator the numbers of what happened', async () => {
		const { gig, creator, viewer: first } = await site.make.show({ price: '0' });
		const second = await site.make.person();
		await site.make.ticket(gig, second);
		const next = await site.make.gig(creator, { title: 'The encore', startsAtLocal: utcToZonedTime(Date.now() + 2 * 24 * 3600_000, 'Europe/Berlin') });

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const a = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: first });
		const b = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: second });
		for (const page of [a, b]) await waitFor('each viewer has a picture', async () => (await receivedMedia(page)).videoWidth > 0, 20_000);
		await expect.poll(() => studio.getByTestId('viewer-count').textContent(), { message: 'both are counted' }).toContain('2');

		for (const [page, text] of [[a, 'one'], [b, 'two'], [a, 'three']] as const) {
			await page.getByTestId('chat-input').fill(`message ${text}`);
			await page.getByTestId('chat-input').press('Enter');
			await page.getByTestId('chat-message').filter({ hasText: `message ${text}` }).waitFor();
		}
		await a.getByTestId('react-heart').click();
		await b.getByTestId('react-applause').click();
		await expect.poll(() => studio.getByTestId('heart-count').textContent()).toBe('1');
		await expect.poll(() => studio.getByTestId('applause-count').textContent()).toBe('1');
		await endShow(studio);

		const after = a.getByTestId('after-show');
		await after.waitFor({ timeout: 10_000 });
		expect(await a.getByTestId('next-gig').textContent()).toContain('The encore');
		const action = a.getByTestId('next-gig-action');
		expect(await action.textContent()).toBe('Get a free ticket');
		expect(await action.getAttribute('href')).toBe(`/gigs/${next.id}`);
		await after.getByTestId('follow').click();
		await expect.poll(() => after.getByTestId('follow').getAttribute('data-following')).toBe('true');

		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}`, { person: creator });
		const numbers = page.getByTestId('show-numbers');
		await numbers.waitFor();
		const read = (id: string) => numbers.getByTestId(id).textContent();
		expect(await read('numbers-peak'), 'peak concurrent viewers').toBe('2');
		expect(await read('numbers-unique'), 'unique viewers').toBe('2');
		expect(await read('numbers-messages'), 'chat messages').toBe('3');
		expect(await read('numbers-reactions'), 'reactions').toBe('2');
		expect(await read('numbers-tickets'), 'tickets').toBe('2');
		expect(await read('numbers-revenue')).toBe('Free gig');
		expect(await read('numbers-duration')).toMatch(/^\d+ s$|^\d+ min$/);
		const average = Number(await read('numbers-average'));
		expect(average, 'average concurrent viewers: at most the peak, more than none').toBeGreaterThan(0.5);
		expect(average).toBeLessThanOrEqual(2);
		const me = await openPage(site.browser, `${site.url}/me`, { person: creator });
		expect(await me.getByTestId('show-numbers-compact').textContent()).toContain('peak 2');
		for (const p of [studio, a, b, page, me]) await closePage(p);
	}, 120_000);
});
