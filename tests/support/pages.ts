import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { TRACK_PEER_CONNECTIONS } from './frames.js';

export const DESKTOP = { width: 1280, height: 800 };

/** A new page at `url` whose peer connections the media helpers can read. */
export async function openPage(browser: Browser, url: string, viewport = DESKTOP): Promise<Page> {
	const page = await browser.newPage({ viewport });
	await page.addInitScript(TRACK_PEER_CONNECTIONS);
	await page.goto(url);
	return page;
}

/** Presses Go live on an open studio page and waits until it says it is live. */
export async function goLive(studio: Page): Promise<void> {
	await studio.getByTestId('preview').waitFor();
	await studio.getByTestId('go-live').click();
	await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 15_000, message: 'the studio says it is live' }).toContain('Live');
}
