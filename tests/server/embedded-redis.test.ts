import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisMissingError, startEmbeddedRedis } from '../../server/redis/embedded-redis.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { testLog } from '../support/log.js';

describe('the embedded redis-server', () => {
	it('keeps what was written across a restart, in its append-only file', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-redis-'));
		try {
			const first = await startEmbeddedRedis(dir, testLog);
			const redis = await connectRedis({ socketPath: first.socketPath });
			await redis.set('gs:test', 'kept');
			redis.disconnect();
			await first.stop();
			expect((await readdir(path.join(dir, 'redis'))).some((f) => f.startsWith('appendonlydir'))).toBe(true);

			const second = await startEmbeddedRedis(dir, testLog);
			const again = await connectRedis({ socketPath: second.socketPath });
			expect(await again.get('gs:test')).toBe('kept');
			again.disconnect();
			await second.stop();
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('names both fixes when redis-server is not installed', async () => {
		const saved = process.env.PATH;
		process.env.PATH = '/nonexistent';
		try {
			const failure = await startEmbeddedRedis(os.tmpdir(), testLog).catch((e: unknown) => e);
			expect(failure).toBeInstanceOf(RedisMissingError);
			expect((failure as Error).message).toMatch(/apt-get install redis-server/);
			expect((failure as Error).message).toMatch(/REDIS_URL/);
		} finally {
			process.env.PATH = saved;
		}
	});
});
