import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { oneClickUnsubscribe } from '../../server/one-click-unsubscribe.js';
import { NotificationPreferences } from '../../src/lib/server/notifications/preferences.js';
import { UnsubscribeTokens } from '../../src/lib/server/notifications/unsubscribe.js';
import { SiteLinks } from '../../src/lib/server/site-links.js';
import { redisForThisFile } from '../support/redis.js';
import { testLog } from '../support/log.js';

const store = redisForThisFile();
const links = new SiteLinks('https://gigs.example.org');

/** The one-click route on its own HTTP server, over `redis`; posts as a mail program does. */
async function oneClickOver(redis: Redis) {
	const app = express().use(oneClickUnsubscribe({ unsubscribe: new UnsubscribeTokens(redis, links), preferences: new NotificationPreferences(redis) }, testLog));
	const server = http.createServer(app);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const post = (token: string) =>
		fetch(`${base}/mail/unsubscribe/${token}/one-click`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
	return { post, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('one-click unsubscribe', () => {
	it('says the service is unavailable, not that the link is bad, while Redis is away, and unsubscribes once it is back', async () => {
		const { page } = await new UnsubscribeTokens(store.redis, links).link('fan1', 'startsSoon');
		const token = page.split('/').pop()!;
		const gone = store.redis.duplicate();
		gone.disconnect();
		const down = await oneClickOver(gone);
		const up = await oneClickOver(store.redis);
		try {
			const refused = await down.post(token);
			expect(refused.status).toBe(503);
			expect(refused.headers.get('retry-after')).toBeTruthy();
			expect(await refused.text()).toContain('temporarily unavailable');

			expect((await up.post(token)).status).toBe(200);
			expect(await new NotificationPreferences(store.redis).wants('fan1', 'startsSoon')).toBe(false);
			expect((await up.post(token.replace(/[\w-]{43}$/, 'A'.repeat(43)))).status, 'a forged link').toBe(400);
		} finally {
			await down.close();
			await up.close();
		}
	});
});
