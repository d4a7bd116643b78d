import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectRedis, StoreConnection, type RedisTarget } from '../../src/lib/server/store.js';
import { StoreStatus } from './store-status.js';

export type StoreConnections = {
	/** The domain modules' shared connection. */
	redis: Redis;
	/** Socket.IO's Redis adapter: one connection publishes, one subscribes. */
	adapterPub: Redis;
	adapterSub: Redis;
	status: StoreStatus;
	/** Drops every connection at once (nothing waits for Redis). */
	close(): void;
};

/**
 * Opens every connection Gigstage keeps to Redis, all with the same outage behaviour (see
 * storeConnectionOptions) and all watched by one StoreStatus.
 */
export async function connectStore(target: RedisTarget, log: Logger): Promise<StoreConnections> {
	const redis = await connectRedis(target);
	const opened: Redis[] = [redis];
	try {
		// The adapter fires publish and (un)subscribe without awaiting them; no auto-pipelining, so
		// each returns the command's own promise, which AdapterConnection marks handled. No
		// auto-pipelining for subscriptions either: ioredis would defer PUNSUBSCRIBE behind
		// UNSUBSCRIBE, lose track of their replies, and fail them when the server closes.
		const adapterPub = await connectRedis(target, { enableAutoPipelining: false }, AdapterConnection);
		opened.push(adapterPub);
		const adapterSub = await connectRedis(target, { enableAutoPipelining: false }, AdapterConnection);
		opened.push(adapterSub);
		const status = new StoreStatus({ store: redis, 'adapter-pub': adapterPub, 'adapter-sub': adapterSub }, redis, log);
		return {
			redis,
			adapterPub,
			adapterSub,
			status,
			close() {
				status.close();
				for (const connection of opened) connection.disconnect();
			}
		};
	} catch (error) {
		for (const connection of opened) connection.disconnect();
		throw error;
	}
}

/**
 * A connection whose commands' failures are always handled: Socket.IO's Redis adapter publishes
 * on every cross-node broadcast without awaiting, and a rejection nobody handles ends the process.
 * While Redis is away those broadcasts simply do not reach other nodes.
 */
export class AdapterConnection extends StoreConnection {
	override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
		const sent = super.sendCommand(...args);
		if (sent instanceof Promise) sent.catch(() => {});
		return sent;
	}
}
