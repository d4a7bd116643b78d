import path from 'node:path';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from './process.js';
import type { Netns } from './netns.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from './fixtures.js';

export type NetnsSite = { server: ServerProcess; redis: Redis; make: ReturnType<typeof fixtures>; stop(): Promise<void> };

/**
 * The production server inside `netns` on its defaults (plus `env`), the way `npm start` runs on
 * a machine: HTTP on 3000 (http://127.0.0.1:3000 inside the namespace), media on its detected
 * address. Fixtures reach its Redis through the Unix socket, which namespaces do not separate.
 */
export async function startSiteIn(netns: Netns, env: Record<string, string> = {}): Promise<NetnsSite> {
	const server = await startServerProcess(env, { netns });
	const redis = await connectRedis({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') }).catch(async (error) => {
		await server.stop();
		throw error;
	});
	return {
		server,
		redis,
		make: fixtures(redis),
		async stop() {
			redis.disconnect();
			await server.stop();
		}
	};
}
