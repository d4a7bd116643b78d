import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../server/redis/embedded-redis.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { testLog } from './log.js';

export type TestRedis = { redis: Redis; server: EmbeddedRedis; dataDir: string };

/** A real redis-server for this test file, in a temporary directory, emptied before each test. */
export function redisForThisFile(): TestRedis {
	const handle = {} as TestRedis;
	beforeAll(async () => {
		handle.dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-test-'));
		handle.server = await startEmbeddedRedis(handle.dataDir, testLog);
		handle.redis = await connectRedis({ socketPath: handle.server.socketPath });
	});
	beforeEach(async () => {
		await handle.redis.flushdb();
	});
	afterAll(async () => {
		handle.redis?.disconnect();
		await handle.server?.stop();
		await rm(handle.dataDir, { recursive: true, force: true });
	});
	return handle;
}
