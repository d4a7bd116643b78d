/**
 * Every page of the site at desktop (1366×768), phone portrait (390×844) and phone landscape
 * (844×390), as a visitor, a ticket holder and a creator, before, during and after a show, saved
 * as PNGs with an index.html to browse them: `npm run screenshots [folder]` (default: screenshots/).
 * Real parts throughout: the production server, its Redis, mediasoup and Chromium's fake camera.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser.js';
import { startServerProcess, type ServerProcess } from '../tests/support/process.js';
import { fixtures, type Person } from '../tests/support/fixtures.js';
import { TRACK_PEER_CONNECTIONS } from '../tests/support/frames.js';
import { connectRedis } from '../src/lib/server/store.js';
import { utcToZonedTime } from '../src/lib/server/gigs/zoned-time.js';

const OUT = path.resolve(process.argv[2] ?? 'screenshots');
const SIZES = {
	desktop: { width: 1366, height: 768 },
	phone: { width: 390, height: 844 },
	landscape: { width: 844, height: 390 }
} as const;
type Size = keyof typeof SIZES;
const ZONE = 'Europe/Berlin';
const shots: { name: string; size: Size; file: string }[] = [];

/** A gig form's start, `minutes` from now, in the gig's zone. */
const startIn = (minutes: number) => utcToZonedTime(Date.now() + minutes * 60_000, ZONE);

async function open(browser: Browser, url: string, size: Size, person?: Person): Promise<Page> {
	const context = await browser.newContext({ viewport: SIZES[size], deviceScaleFactor: 1, hasTouch: size !== 'desktop', isMobile: size !== 'desktop' });
	if (person) await context.addCookies([{ name: 'gs_session', value: person.token, url: new URL(url).origin }]);
	const page = await context.newPage();
	await page.addInitScript(TRACK_PEER_CONNECTIONS);
	await page.goto(url);
	await page.waitForLoadState('networkidle').catch(() => {});
	return page;
}

async function save(page: Page, name: string, size: Size): Promise<void> {
	const file = path.join(size, `${name}.png`);
	await mkdir(path.join(OUT, size), { recursive: true });
	// Pages settle (fonts, hydration, sockets) before they are pictured.
	await page.evaluate(() => document.fonts.ready);
	await page.screenshot({ path: path.join(OUT, file), fullPage: size !== 'landscape' || !name.includes('watch-live') });
	shots.push({ name, size, file });
	console.log(`  ${file}`);
}

/** Opens `url` as `person` at every size (or the given ones), waits for `ready`, and saves it. */
async function shoot(browser: Browser, base: string, name: string, url: string, person?: Person, ready?: (page: Page) => Promise<unknown>, sizes: Size[] = ['desktop', 'phone', 'landscape']): Promise<void> {
	for (const size of sizes) {
		const page = await open(browser, base + url, size, person);
		try {
			await ready?.(page);
			await save(page, name, size);
		} finally {
			await page.context().close();
		}
	}
}

async function goLive(studio: Page): Promise<void> {
	await studio.getByTestId('preview').waitFor();
	await studio.getByTestId('go-live').click();
	const early = studio.getByTestId('confirm-early-confirm');
	for (let i = 0; i < 300; i++) {
		if ((await studio.getByTestId('broadcast-status').getAttribute('data-phase')) === 'live') return;
		if (await early.isVisible()) await early.click();
		await studio.waitForTimeout(100);
	}
	throw new Error('the studio did not go live');
}

async function main(): Promise<void> {
	let server: ServerProcess | undefined;
	let browser: Browser | undefined;
	try {
		server = await startServerProcess({ DEV_PAYMENTS: 'true' });
		browser = await launchChromium({ args: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding'] });
		const redis = await connectRedis({ socketPath: `${server.dataDir}/redis/redis.sock` });
		const make = fixtures(redis);
		const creator = await make.person('creator');
		await make.accounts.updateProfile(creator.user.id, { displayName: 'Nightjar Quartet', avatarColour: 'violet' });
		const fan = await make.person();
		await make.accounts.updateProfile(fan.user.id, { displayName: 'Ada Fan', avatarColour: 'teal' });
		const other = await make.person();
		const base = server.url;

		const description = 'Two sets of standards and originals.\nSetlist and sheet music: www.example.org/nightjar — see you there!';
		const upcoming = await make.gig(creator, { title: 'Late night jazz', description, startsAtLocal: startIn(3 * 24 * 60), price: '12.50', capacity: '120' });
		const soon = await make.gig(creator, { title: 'Sunday matinee', description: 'An hour of quiet piano.', startsAtLocal: startIn(25), price: '0' });
		const liveGig = await make.gig(creator, { title: 'Friday live session', startsAtLocal: startIn(5), price: '0' });
		const past = await make.gig(creator, { title: 'Spring showcase', startsAtLocal: startIn(2), price: '0' });
		for (const gig of [soon, liveGig, past]) await make.ticket(gig, fan);
		await make.ticket(liveGig, other);
		const handle = await (async () => {
			const page = await open(browser!, `${base}/gigs/${upcoming.id}`, 'desktop', fan);
			const href = await page.getByTestId('creator-link').getAttribute('href');
			await page.getByTestId('follow').click();
			await page.getByTestId('follow').and(page.locator('[data-following="true"]')).waitFor();
			await page.context().close();
			return href!;
		})();

		console.log('before any show');
		await shoot(browser, base, 'home-visitor', '/');
		await shoot(browser, base, 'signup', '/signup');
		await shoot(browser, base, 'login', '/login');
		await shoot(browser, base, 'gig-visitor', `/gigs/${upcoming.id}`);
		await shoot(browser, base, 'gig-ticket-holder', `/gigs/${soon.id}`, fan);
		await shoot(browser, base, 'gig-buy', `/gigs/${upcoming.id}`, other);
		await shoot(browser, base, 'watch-countdown', `/gigs/${soon.id}/watch`, fan, (p) => p.getByTestId('countdown-clock').waitFor());
		await shoot(browser, base, 'me-viewer', '/me', fan);
		await shoot(browser, base, 'me-creator', '/me', creator);
		await shoot(browser, base, 'gig-new', '/gigs/new', creator);
		await shoot(browser, base, 'gig-edit', `/gigs/${upcoming.id}/edit`, creator);
		await shoot(browser, base, 'gig-credentials', `/gigs/${upcoming.id}/credentials`, creator);
		await shoot(browser, base, 'webhooks', '/me/webhooks', creator);
		await shoot(browser, base, 'studio-off-air', `/studio/${soon.id}`, creator, (p) => p.getByTestId('preview').waitFor());
		await shoot(browser, base, 'error-404', '/gigs/no-such-gig');
		await shoot(browser, base, 'error-403-studio', `/studio/${upcoming.id}`, fan);
		await shoot(browser, base, 'logout', '/logout', fan);
		const checkout = await open(browser, `${base}/gigs/${upcoming.id}`, 'desktop', other);
		await checkout.getByTestId('buy-dev').click();
		await checkout.waitForURL(/\/checkout\/dev\//);
		const checkoutPath = new URL(checkout.url()).pathname;
		await checkout.context().close();
		await shoot(browser, base, 'checkout-test-card', checkoutPath, other);

		console.log('during a show');
		const studio = await open(browser, `${base}/studio/${liveGig.id}`, 'desktop', creator);
		await goLive(studio);
		const watching = await open(browser, `${base}/gigs/${liveGig.id}/watch`, 'desktop', other);
		await watching.getByTestId('chat-input').fill('Hello from the second row! Lyrics at www.example.org/lyrics');
		await watching.getByTestId('chat-input').press('Enter');
		await watching.getByTestId('raise-hand').click();
		await shoot(browser, base, 'watch-live', `/gigs/${liveGig.id}/watch`, fan, async (p) => {
			await p.getByTestId('player-controls').waitFor();
			await p.getByTestId('delay').waitFor({ timeout: 20_000 }).catch(() => {});
		});
		await shoot(browser, base, 'home-following', '/', fan);
		await shoot(browser, base, 'creator-page', handle, fan);
		await studio.getByTestId('health-ok').or(studio.getByTestId('health-warnings')).waitFor({ timeout: 20_000 }).catch(() => {});
		for (const size of Object.keys(SIZES) as Size[]) {
			await studio.setViewportSize(SIZES[size]);
			await save(studio, 'studio-live', size);
		}
		await studio.setViewportSize(SIZES.desktop);
		await studio.getByTestId('end-show').click();
		await save(studio, 'studio-confirm-end', 'desktop');
		await studio.getByTestId('confirm-end-confirm').click();
		await studio.getByTestId('studio-ended').waitFor();
		for (const size of Object.keys(SIZES) as Size[]) {
			await studio.setViewportSize(SIZES[size]);
			await save(studio, 'studio-ended', size);
		}
		await watching.context().close();
		await studio.context().close();

		console.log('after the show');
		await shoot(browser, base, 'watch-ended', `/gigs/${liveGig.id}/watch`, fan, (p) => p.getByTestId('after-show').waitFor());
		await shoot(browser, base, 'gig-numbers', `/gigs/${liveGig.id}`, creator);
		await shoot(browser, base, 'me-creator-after', '/me', creator);
		const early = await open(browser, `${base}/studio/${upcoming.id}`, 'desktop', creator);
		await early.getByTestId('preview').waitFor();
		await early.getByTestId('go-live').click();
		await early.getByTestId('confirm-early').waitFor();
		await save(early, 'studio-confirm-early', 'desktop');
		await early.context().close();
		redis.disconnect();

		await writeFile(path.join(OUT, 'index.html'), index());
		console.log(`\n${shots.length} screenshots in ${OUT} (open index.html)`);
	} catch (error) {
		if (server) console.error(`server log (last 20 lines):\n${server.logs.slice(-20).join('\n')}`);
		throw error;
	} finally {
		await browser?.close();
		await server?.stop();
	}
}

/** One page to look through them all: each page at its three sizes, side by side. */
function index(): string {
	const names = [...new Set(shots.map((s) => s.name))];
	const rows = names
		.map((name) => {
			const cells = shots.filter((s) => s.name === name).map((s) => `<figure><a href="${s.file}"><img src="${s.file}" alt="${name} at ${s.size}" loading="lazy"></a><figcaption>${s.size}</figcaption></figure>`);
			return `<section><h2>${name}</h2><div class="row">${cells.join('')}</div></section>`;
		})
		.join('\n');
	return `<!doctype html><meta charset="utf-8"><title>Gigstage screenshots</title>
<style>body{background:#111;color:#eee;font-family:system-ui;margin:1.5rem}.row{display:flex;gap:1rem;align-items:flex-start;overflow-x:auto}figure{margin:0}img{max-height:420px;border:1px solid #333}figcaption{color:#999;font-size:.8rem}</style>
<h1>Gigstage, every page at three sizes (${new Date().toISOString()})</h1>
${rows}
`;
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}`);
		process.exit(1);
	}
);
