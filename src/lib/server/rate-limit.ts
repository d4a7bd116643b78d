import type { Redis } from 'ioredis';
import { DomainError } from './errors.js';

/**
 * Fixed-window limit kept in Redis (so it holds across server nodes): at most `limit` attempts
 * per `windowSeconds` for one key. Throws RATE_LIMITED with when to try again.
 */
export async function limitRate(redis: Redis, key: string, limit: number, windowSeconds: number): Promise<void> {
	const redisKey = `gs:rate:${key}`;
	const [[, count], [, ttl]] = (await redis.multi().incr(redisKey).ttl(redisKey).exec()) as [[null, number], [null, number]];
	if (ttl < 0) await redis.expire(redisKey, windowSeconds);
	if (count > limit) {
		const wait = ttl > 0 ? ttl : windowSeconds;
		throw new DomainError('RATE_LIMITED', `Too many attempts. Try again in ${wait} second${wait === 1 ? '' : 's'}.`);
	}
}
