import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Redis } from 'ioredis';
import { launchChromium } from './browser.js';
import { startServerProcess, type ServerProcess } from './process.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from './fixtures.js';

export type Site = { server: ServerProcess; browser: Browser; url: string; redis: Redis; make: ReturnType<typeof fixtures> };

/**
 * Starts the production server (and a Chromium, unless `browser: false`) for the test file, and
 * stops them after it. `env` may be a function, for settings known only once other helpers run.
 */
export function siteForThisFile(options: { browser?: boolean; env?: () => Record<string, string> } = {}): Site {
	const site = {} as Site;
	beforeAll(async () => {
		site.server = await startServerProcess(options.env?.() ?? {});
		site.url = site.server.url;
		site.redis = await connectRedis({ socketPath: path.join(site.server.dataDir, 'redis', 'redis.sock') });
		site.make = fixtures(site.redis);
		if (options.browser !== false) site.browser = await launchChromium();
	});
	afterAll(async () => {
		await site.browser?.close();
		site.redis?.disconnect();
		await site.server?.stop();
	});
	return site;
}
