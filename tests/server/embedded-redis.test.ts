import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisMissingError, startEmbeddedRedis } from '../../server/redis/embedded-redis.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';

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

	it('restarts a redis-server that was killed, from its append-only file', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-redis-'));
		const server = await startEmbeddedRedis(dir, testLog);
		try {
			const redis = await connectRedis({ socketPath: server.socketPath });
			await redis.set('gs:test', 'acknowledged');
			const { pid } = server.report();
			process.kill(pid!, 'SIGKILL');
			await waitFor('it was restarted', () => server.report().restarts === 1 && server.report().state === 'running', 10_000);
			expect(server.report().pid).not.toBe(pid);
			await waitFor('the connection is back', async () => (await redis.get('gs:test').catch(() => null)) === 'acknowledged', 5000);
			redis.disconnect();
		} finally {
			await server.stop();
			await rm(dir, { recursive: true, force: true });
		}
	});

	it('stops a redis-server a killed Gigstage left running on its files before starting its own', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-redis-'));
		const redisDir = path.join(dir, 'redis');
		await mkdir(redisDir);
		const pidFile = path.join(redisDir, 'redis.pid');
		const orphan = spawn('redis-server', ['--port', '0', '--unixsocket', path.join(redisDir, 'redis.sock'), '--dir', redisDir, '--pidfile', pidFile, '--appendonly', 'yes'], { stdio: 'ignore' });
		const gone = new Promise((resolve) => orphan.once('exit', resolve));
		await waitFor('the orphan wrote its pid file', async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() === String(orphan.pid), 5000);
		const server = await startEmbeddedRedis(dir, testLog);
		try {
			await gone;
			expect(server.report().pid).not.toBe(orphan.pid);
		} finally {
			await server.stop();
			orphan.kill('SIGKILL');
			await rm(dir, { recursive: true, force: true });
		}
	});
});
