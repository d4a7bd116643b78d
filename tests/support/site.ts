import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { startServerProcess, type ServerProcess } from './process.js';

export type Site = { server: ServerProcess; browser: Browser; url: string };

/** Starts the production server and a Chromium for the test file, and stops both after it. */
export function siteForThisFile(): Site {
	const site = {} as Site;
	beforeAll(async () => {
		site.server = await startServerProcess();
		site.url = site.server.url;
		site.browser = await launchChromium();
	});
	afterAll(async () => {
		await site.browser?.close();
		await site.server?.stop();
	});
	return site;
}
