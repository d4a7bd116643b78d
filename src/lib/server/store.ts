import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/** What pages, sockets and probes need to know about the store of record right now (StoreStatus). */
export type StoreGate = {
	/** Redis answers: requests may use it. False: answer 503 at once instead of trying. */
	readonly available: boolean;
	/** Why Redis refuses writes (full disk, MISCONF), or null while it accepts them. */
	readonly writesRefused: string | null;
};

/** Where Redis is: a URL (REDIS_URL) or the Unix socket of the embedded redis-server. */
export type RedisTarget = { url: string } | { socketPath: string };

/**
 * Longest a command may wait for its answer. Redis answers in well under a millisecond (a few
 * with `appendfsync always` on a slow disk); a Redis that takes longer is frozen or cut off, and
 * a page waiting on it must turn into a 503 rather than a hang.
 */
export const COMMAND_TIMEOUT_MS = 900;

/**
 * How every Gigstage connection to Redis behaves when Redis goes away:
 * - a command sent while the connection is down fails at once (no offline queue) instead of
 *   waiting, so a request answers 503 within a second rather than hanging;
 * - a command in flight when the connection drops fails too, and is never sent again by itself
 *   (it may have been applied: re-sending a chat message or a counter would apply it twice);
 * - reconnecting never stops, backing off to one attempt a second.
 */
export function storeConnectionOptions(): RedisOptions {
	return {
		lazyConnect: true,
		enableOfflineQueue: false,
		maxRetriesPerRequest: 0,
		autoResendUnfulfilledCommands: false,
		commandTimeout: COMMAND_TIMEOUT_MS,
		connectTimeout: 2000,
		retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
		// A replica promoted in a failover leaves us talking to a read-only node: reconnect to find the new primary.
		reconnectOnError: (error) => error.message.startsWith('READONLY')
	};
}

/**
 * A connection to the store of record, connected before it is returned (commands are not queued
 * while it connects). The domain modules share one; Socket.IO's adapter has its own pair.
 */
export async function connectRedis(target: RedisTarget, extra: RedisOptions = {}, Connection: typeof Redis = Redis): Promise<Redis> {
	const options = { ...storeConnectionOptions(), enableAutoPipelining: true, ...extra };
	const redis = 'url' in target ? new Connection(target.url, options) : new Connection({ path: target.socketPath, ...options });
	// Until someone watches the connection (StoreStatus), its errors must not print as "Unhandled
	// error event" stack traces: they also reach every command's caller.
	redis.on('error', () => {});
	try {
		await redis.connect();
	} catch (error) {
		redis.disconnect();
		throw error;
	}
	return redis;
}
