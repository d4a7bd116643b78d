import { Redis } from 'ioredis';

export type { Redis };

/** Where Redis is: a URL (REDIS_URL) or the Unix socket of the embedded redis-server. */
export type RedisTarget = { url: string } | { socketPath: string };

/**
 * The one Redis connection the domain modules share. Commands wait for a connection instead of
 * failing while Redis restarts, so a write is answered only once Redis has it.
 */
export async function connectRedis(target: RedisTarget): Promise<Redis> {
	const options = { lazyConnect: true, maxRetriesPerRequest: 20, enableAutoPipelining: true };
	const redis = 'url' in target ? new Redis(target.url, options) : new Redis({ path: target.socketPath, ...options });
	await redis.connect();
	return redis;
}
