import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { COUNT_PAINTED_FRAMES, TRACK_PEER_CONNECTIONS } from './frames.js';
import type { Person } from './fixtures.js';

export const DESKTOP = { width: 1280, height: 800 };

/** A page at `url` in a fresh browser context (logged in as `person` if given), whose peer connections the media helpers can read. */
export async function openPage(browser: Browser, url: string, options: { viewport?: { width: number; height: number }; person?: Person } = {}): Promise<Page> {
	const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
	// The origin as the cookie's URL gives it path /, so the signaling WebSocket carries it too.
	if (options.person) await context.addCookies([{ name: 'gs_session', value: options.person.token, url: new URL(url).origin }]);
	const page = await context.newPage();
	await page.addInitScript(TRACK_PEER_CONNECTIONS);
	await page.addInitScript(COUNT_PAINTED_FRAMES);
	await page.goto(url);
	return page;
}

/**
 * Presses Go live on an open studio page (and, for a gig scheduled far ahead, confirms going live
 * early) and waits until it says it is live.
 */
export async function goLive(studio: Page): Promise<void> {
	await studio
		.getByTestId('preview')
		.waitFor()
		.catch(async (error: Error) => {
			// Say what the page showed instead (an error, a 503 page, a device message): a timeout alone tells nothing.
			const said = await studio.locator('body').innerText().catch(() => '(the page could not be read)');
			throw new Error(`${error.message}\nthe studio at ${studio.url()} showed:\n${said.slice(0, 800)}`);
		});
	await studio.getByTestId('go-live').click();
	const early = studio.getByTestId('confirm-early-confirm');
	await expect
		.poll(
			async () => {
				if (await early.isVisible()) await early.click();
				return studio.getByTestId('broadcast-status').getAttribute('data-phase');
			},
			{ timeout: 15_000, message: 'the studio says it is live' }
		)
		.toBe('live');
}

/** Presses End show on a live studio and confirms it. */
export async function endShow(studio: Page): Promise<void> {
	await studio.getByTestId('end-show').click();
	await studio.getByTestId('confirm-end-confirm').click();
	await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 10_000, message: 'the studio says the show ended' }).toContain('Show ended');
}

/** Closes a page with its context. */
export async function closePage(page: Page): Promise<void> {
	await page.context().close();
}
