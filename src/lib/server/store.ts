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
 * - a command sent while the connection is down fails at once instead of waiting in a queue, so
 *   a request answers 503 within a second rather than hanging (see StoreConnection);
 * - a command in flight when the connection drops fails too, and is never sent again by itself
 *   (it may have been applied: re-sending a chat message or a counter would apply it twice);
 * - reconnecting never stops, backing off to one attempt a second.
 */
export function storeConnectionOptions(): RedisOptions {
	return {
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
 * A connection that queues commands only until it first connects (so a fresh connection, or a
 * duplicate, can be used at once); from then on a command sent while it is disconnected fails
 * at once. Its duplicates behave the same.
 */
export class StoreConnection extends Redis {
	/** A URL (redis://…) and options, or options alone; ioredis merges them in any order. */
	constructor(urlOrOptions: string | RedisOptions, options: RedisOptions = {}) {
		super(urlOrOptions as string, options as RedisOptions & { replyMapping?: 'legacy' });
		this.options.enableOfflineQueue = true;
		// Until someone watches the connection (StoreStatus), its errors must not print as "Unhandled
		// error event" stack traces: they also reach every command's caller.
		this.on('error', () => {});
		this.once('ready', () => {
			this.options.enableOfflineQueue = false;
		});
	}

	override duplicate(override: Partial<RedisOptions> = {}): Redis {
		return new (this.constructor as typeof StoreConnection)({ ...this.options, ...override });
	}
}

/**
 * A connection to the store of record, connected before it is returned. The domain modules
 * share one; Socket.IO's adapter has its own pair.
 */
export async function connectRedis(target: RedisTarget, extra: RedisOptions = {}, Connection: typeof StoreConnection = StoreConnection): Promise<Redis> {
	const options = { ...storeConnectionOptions(), enableAutoPipelining: true, lazyConnect: true, ...extra };
	const redis = 'url' in target ? new Connection(target.url, options) : new Connection({ path: target.socketPath, ...options });
	try {
		await redis.connect();
	} catch (error) {
		redis.disconnect();
		throw error;
	}
	return redis;
}
