import { describe, expect, it } from 'vitest';
import { limitRate } from '../../src/lib/server/rate-limit.js';
import { redisForThisFile } from '../support/redis.js';

const store = redisForThisFile();

async function outcomes(attempts: Promise<void>[]): Promise<string[]> {
	const settled = await Promise.allSettled(attempts);
	return settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
}

describe('rate limits', () => {
	it('lets exactly the limit through when attempts arrive at once, and every count expires', async () => {
		const results = await outcomes(Array.from({ length: 40 }, () => limitRate(store.redis, 'burst', 10, 60)));
		expect(results.filter((r) => r === 'ok')).toHaveLength(10);
		expect(results.filter((r) => r === 'RATE_LIMITED')).toHaveLength(30);
		const ttl = await store.redis.ttl('gs:rate:burst');
		expect(ttl).toBeGreaterThan(0);
		expect(ttl).toBeLessThanOrEqual(60);
	});

	it('never locks forever: a count left without an expiry gets its window back', async () => {
		await store.redis.set('gs:rate:stuck', '999'); // what a crash between INCR and EXPIRE used to leave
		await expect(limitRate(store.redis, 'stuck', 5, 30)).rejects.toMatchObject({ code: 'RATE_LIMITED', message: /30 seconds/ });
		const ttl = await store.redis.ttl('gs:rate:stuck');
		expect(ttl).toBeGreaterThan(0);
		expect(ttl).toBeLessThanOrEqual(30);
	});

	it('says how long to wait', async () => {
		for (let i = 0; i < 3; i++) await limitRate(store.redis, 'wait', 3, 90);
		await expect(limitRate(store.redis, 'wait', 3, 90)).rejects.toMatchObject({ code: 'RATE_LIMITED', message: /Try again in (89|90) seconds/ });
		await limitRate(store.redis, 'wait-minutes', 1, 600);
		await expect(limitRate(store.redis, 'wait-minutes', 1, 600)).rejects.toMatchObject({ message: /Try again in 10 minutes/ });
		await limitRate(store.redis, 'wait-day', 1, 24 * 3600);
		await expect(limitRate(store.redis, 'wait-day', 1, 24 * 3600)).rejects.toMatchObject({ message: /Try again in 24 hours/ });
	});
});
