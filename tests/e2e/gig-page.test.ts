/**
 * Before the show, on the gig's page and around it (issue 12): gigs start in the future (bug 1),
 * links in descriptions and error pages of the site (bug 6), Share, Add to calendar, and the
 * creator's page with Follow.
 */
import { describe, expect, it } from 'vitest';
import { closePage, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { utcToZonedTime } from '../../src/lib/server/gigs/zoned-time.js';

const site = siteForThisFile();

describe('a new gig', () => {
	it('cannot start in the past: the form says so beside the start, with the other mistakes, and nothing is saved', async () => {
		const creator = await site.make.person('creator');
		const page = await openPage(site.browser, `${site.url}/gigs/new`, { person: creator });
		await page.fill('input[name=title]', 'x'); // too short as well
		await page.selectOption('select[name=category]', 'concert');
		await page.fill('input[name=startsAtLocal]', '2020-01-01T20:00');
		await page.getByRole('button', { name: 'Create gig' }).click();
		const start = page.locator('#gig-starts-error');
		await start.waitFor();
		expect(await start.textContent()).toBe('Pick a start in the future');
		expect(await page.locator('#gig-title-error').textContent()).toContain('at least 3');
		await page.fill('input[name=title]', 'Back to 2020');
		await page.getByRole('button', { name: 'Create gig' }).click();
		await expect.poll(() => page.locator('#gig-title-error').count()).toBe(0);
		expect(await page.locator('#gig-starts-error').textContent()).toBe('Pick a start in the future');
		expect(await site.make.gigs.byCreator(creator.user.id), 'no gig was saved').toEqual([]);

		const soon = utcToZonedTime(Date.now() + 3600_000, 'Europe/Berlin');
		await page.fill('input[name=startsAtLocal]', soon);
		await page.selectOption('select[name=timeZone]', 'Europe/Berlin');
		await page.getByRole('button', { name: 'Create gig' }).click();
		await page.waitForURL(/\/credentials/);
		expect(await site.make.gigs.byCreator(creator.user.id)).toHaveLength(1);
		await closePage(page);
	}, 60_000);

	it('cannot be moved into the past by an edit', async () => {
		const { gig, creator } = await site.make.show();
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/edit`, { person: creator });
		await page.fill('input[name=startsAtLocal]', '2021-03-01T10:00');
		await page.getByRole('button', { name: 'Save changes' }).click();
		await page.locator('#gig-starts-error').waitFor();
		expect(await page.locator('#gig-starts-error').textContent()).toBe('Pick a start in the future');
		expect(Number(await site.redis.hget(`gs:gig:${gig.id}`, 'startsAt'))).toBe(gig.startsAt);
		await closePage(page);
	}, 60_000);
});

describe('the gig’s page', () => {
	it('links the addresses in its description, www. ones too, and nothing else', async () => {
		const { gig } = await site.make.show({ description: 'Setlist at www.example.org/set and https://example.net/x.\n<b>bold?</b> awww.nope' });
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}`);
		const description = page.getByTestId('gig-description');
		const links = description.getByRole('link');
		await expect.poll(() => links.count()).toBe(2);
		expect(await links.nth(0).getAttribute('href')).toBe('https://www.example.org/set');
		expect(await links.nth(1).getAttribute('href')).toBe('https://example.net/x');
		expect(await links.nth(0).getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
		expect(await description.locator('b').count(), 'markup stays text').toBe(0);
		await closePage(page);
	}, 60_000);

	it('shares the absolute address of the gig’s page (no share sheet here: the link is copied)', async () => {
		const { gig, creator } = await site.make.show();
		for (const [path, person] of [[`/gigs/${gig.id}`, undefined], [`/studio/${gig.id}`, creator]] as const) {
			const page = await openPage(site.browser, `${site.url}${path}`, { person });
			await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
			expect(await page.evaluate(() => typeof navigator.share), 'desktop Chromium on Linux has no share sheet').toBe('undefined');
			await page.getByTestId('share').click();
			await expect.poll(() => page.getByTestId('share-notice').textContent()).toBe('Link copied');
			expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${site.url}/gigs/${gig.id}`);
			expect(await page.getByTestId('share-link').inputValue()).toBe(`${site.url}/gigs/${gig.id}`);
			await closePage(page);
		}
	}, 60_000);

	it('uses the system share sheet where the browser has one', async () => {
		const { gig } = await site.make.show({ title: 'Shared gig' });
		const context = await site.browser.newContext();
		await context.addInitScript(() => {
			(window as unknown as { shared: unknown[] }).shared = [];
			navigator.share = async (data?: ShareData) => void (window as unknown as { shared: unknown[] }).shared.push(data);
		});
		const page = await context.newPage();
		await page.goto(`${site.url}/gigs/${gig.id}`);
		await page.getByTestId('share').click();
		await expect.poll(() => page.evaluate(() => (window as unknown as { shared: ShareData[] }).shared)).toEqual([{ url: `${site.url}/gigs/${gig.id}`, title: 'Shared gig', text: 'Shared gig, live on Gigstage' }]);
		await context.close();
	}, 60_000);

	it('offers the gig as a calendar event, on its page and on the ticket', async () => {
		const { gig, viewer } = await site.make.show({ title: 'Jazz; night, live', description: 'Line one\nLine two', durationMinutes: '90' });
		const page = await openPage(site.browser, `${site.url}/me`, { person: viewer });
		const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ticket-calendar').click()]);
		expect(download.suggestedFilename()).toBe('jazz-night-live.ics');
		const answer = await new HttpClient(site.url).get(`/gigs/${gig.id}/calendar.ics`);
		expect(answer.status).toBe(200);
		expect(answer.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
		const ics = answer.text;
		const utc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
		expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
		expect(ics).toContain(`DTSTART:${utc(gig.startsAt)}\r\n`);
		expect(ics).toContain(`DTEND:${utc(gig.startsAt + 90 * 60_000)}\r\n`);
		expect(ics).toContain('SUMMARY:Jazz\\; night\\, live\r\n');
		expect(ics).toContain(`URL:${site.url}/gigs/${gig.id}/watch\r\n`);
		expect(ics.replace(/\r\n /g, '')).toContain(`DESCRIPTION:Watch: ${site.url}/gigs/${gig.id}/watch\\n\\nGig page: ${site.url}/gigs/${gig.id}\\n\\nLine one\\nLine two`);
		expect(ics.trimEnd().endsWith('END:VEVENT\r\nEND:VCALENDAR')).toBe(true);
		expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'lines are folded at 75 octets').toBe(true);
		await page.goto(`${site.url}/gigs/${gig.id}`);
		expect(await page.getByTestId('add-to-calendar').getAttribute('href')).toBe(`/gigs/${gig.id}/calendar.ics`);
		await closePage(page);
	}, 60_000);
});

describe('errors', () => {
	it('are pages of the site with a way home: a stranger opening a studio, and an address that is not there', async () => {
		const { gig } = await site.make.show();
		const stranger = await site.make.person();
		const page = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: stranger });
		const error = page.getByTestId('error-page');
		await error.waitFor();
		expect(await error.getAttribute('data-status')).toBe('403');
		expect(await error.textContent()).toContain('Only the gig’s creator can broadcast from its studio.');
		expect(await page.locator('header').getByRole('link', { name: 'Gigstage' }).count(), 'the site’s header is there').toBe(1);
		await error.getByRole('link', { name: 'See the gig’s page' }).click();
		await page.waitForURL(`${site.url}/gigs/${gig.id}`);
		await page.goto(`${site.url}/no/such/page`);
		expect(await page.getByTestId('error-page').getAttribute('data-status')).toBe('404');
		await page.getByRole('link', { name: 'Go to the home page' }).click();
		await page.waitForURL(`${site.url}/`);
		await closePage(page);
	}, 60_000);
});

describe('the creator’s page', () => {
	it('lists their live, upcoming and past gigs, is linked from each gig, and Follow brings their gigs first on the home page', async () => {
		const creator = await site.make.person('creator');
		await site.make.accounts.updateProfile(creator.user.id, { displayName: 'Zoë & The Bänd', avatarColour: 'teal' });
		const upcoming = await site.make.gig(creator, { title: 'Zoë upcoming' });
		const past = await site.make.gig(creator, { title: 'Zoë past' });
		await site.make.gigs.markLive(past.id, Date.now() - 3600_000);
		await site.make.gigs.markEnded(past.id);
		const onNow = await site.make.gig(creator, { title: 'Zoë on now' });
		await site.make.gigs.markLive(onNow.id, Date.now());
		const fan = await site.make.person();

		const page = await openPage(site.browser, `${site.url}/gigs/${upcoming.id}`, { person: fan });
		await page.getByTestId('creator-link').click();
		await page.waitForURL(`${site.url}/c/zoe-the-band`);
		expect(await page.getByTestId('creator-name').textContent()).toBe('Zoë & The Bänd');
		expect(await page.getByTestId('creator-live').textContent()).toContain('Zoë on now');
		expect(await page.getByTestId('creator-upcoming').textContent()).toContain('Zoë upcoming');
		expect(await page.getByTestId('creator-past').textContent(), 'ended gigs stay findable').toContain('Zoë past');
		expect(await page.getByTestId('follower-count').textContent()).toBe('0 followers');

		await page.getByTestId('follow').click();
		await expect.poll(() => page.getByTestId('follow').getAttribute('data-following')).toBe('true');
		expect(await page.getByTestId('follower-count').textContent()).toBe('1 follower');
		expect(await site.make.gigs.byCreator(creator.user.id)).toHaveLength(3);
		expect(await site.redis.zscore(`gs:followers:${creator.user.id}`, fan.user.id), 'the follow is stored for later notifications').not.toBeNull();

		await page.goto(`${site.url}/`);
		const followed = page.getByTestId('followed-gigs');
		await followed.waitFor();
		const titles = await followed.getByRole('heading', { level: 3 }).allTextContents();
		expect(titles, 'live first, then upcoming; past gigs are not listed').toEqual(['Zoë on now', 'Zoë upcoming']);
		const first = await page.locator('main section.listing').first().getAttribute('data-testid');
		expect(first, 'followed gigs come first on the home page').toBe('followed-gigs');

		// Unfollow from a gig page: back where the button was.
		await page.goto(`${site.url}/gigs/${upcoming.id}`);
		await page.getByTestId('follow').click();
		await expect.poll(() => page.getByTestId('follow').getAttribute('data-following')).toBe('false');
		expect(page.url()).toBe(`${site.url}/gigs/${upcoming.id}`);
		await page.goto(`${site.url}/`);
		expect(await page.getByTestId('followed-gigs').count()).toBe(0);
		await closePage(page);
	}, 60_000);

	it('is not found for someone who is not a creator', async () => {
		const viewer = await site.make.person();
		const answer = await new HttpClient(site.url).get(`/c/${viewer.user.id}`);
		expect(answer.status).toBe(404);
	}, 30_000);
});
