import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { startExternalRedis, type ExternalRedis } from '../support/redis-server.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from '../support/fixtures.js';
import { connectLive } from '../live/clients.js';
import { SHUTDOWN_BOUND_MS } from '../../server/shutdown.js';
import { embeddedRedisPid } from './outage.js';

const started: { server?: ServerProcess; external?: ExternalRedis }[] = [];
afterAll(async () => {
	for (const { server, external } of started) {
		await server?.stop();
		await external?.close();
	}
});

/** A viewer in a gig's chat, so closing has viewers to take out of the counts in Redis. */
async function seatAViewer(redisUrlOrSocket: { url: string } | { socketPath: string }, server: ServerProcess) {
	const redis = await connectRedis(redisUrlOrSocket);
	const make = fixtures(redis);
	const { gig, viewer } = await make.show();
	redis.disconnect();
	const client = await connectLive(server.url, viewer.cookie);
	expect(await client.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
	return client;
}

/** Sends SIGTERM and resolves with how long the process took to exit. */
async function terminate(server: ServerProcess): Promise<number> {
	const at = Date.now();
	process.kill(server.pid, 'SIGTERM');
	await server.exited;
	return Date.now() - at;
}

describe('SIGTERM when Redis is broken', () => {
	it('exits within the shutdown bound while the external Redis is gone', async () => {
		const external = await startExternalRedis();
		const server = await startServerProcess({ REDIS_URL: external.url, RTMP_PORT: '0' });
		started.push({ server, external });
		const viewer = await seatAViewer({ url: external.url }, server);
		await external.kill();

		const ms = await terminate(server);
		expect(ms, 'time to exit (ms)').toBeLessThan(SHUTDOWN_BOUND_MS);
		expect(server.logs.some((l) => /"msg":"stopped/.test(l)), 'it says it stopped').toBe(true);
		expect(server.logs.filter((l) => /Unhandled|"stack"/.test(l))).toEqual([]);
		viewer.close();
	}, 30_000);

	it('exits within the shutdown bound while the embedded Redis is frozen, and leaves no redis-server behind', async () => {
		const server = await startServerProcess({ RTMP_PORT: '0' });
		started.push({ server });
		const viewer = await seatAViewer({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') }, server);
		const redisPid = embeddedRedisPid(server.dataDir);
		process.kill(redisPid, 'SIGSTOP'); // alive, holding its connections, answering nothing

		const ms = await terminate(server);
		expect(ms, 'time to exit (ms)').toBeLessThan(SHUTDOWN_BOUND_MS);
		expect(server.logs.some((l) => /"msg":"stopped/.test(l)), 'it says it stopped').toBe(true);
		expect(spawnSync('kill', ['-0', String(redisPid)]).status, 'the frozen redis-server was stopped').not.toBe(0);
		viewer.close();
	}, 30_000);
});
