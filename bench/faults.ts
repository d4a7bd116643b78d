/**
 * What failing costs, in numbers (see "What Gigstage promises when things fail" in the README):
 * - restart: SIGKILL the embedded redis-server of a running Gigstage and time until /readyz and a
 *   page answer 200 again, with a small and a large append-only file;
 * - unavailable: how fast pages answer (503) while an external Redis is gone, and while it is
 *   frozen (SIGSTOP: connections open, nothing answers);
 * - fsync: `appendfsync always` against `everysec`: redis-benchmark SETs, and Gigstage's own
 *   ticket issuing (hold a seat + issue, two Lua scripts) one at a time and 20 at once.
 * Needs the built app (`npm run build`). Run: `npm run bench:faults` (BENCH_PARTS=fsync,restart,unavailable
 * picks parts); writes bench/results/faults.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectRedis } from '../src/lib/server/store.js';
import { startEmbeddedRedis } from '../server/redis/embedded-redis.js';
import { Tickets } from '../src/lib/server/tickets/tickets.js';
import { Gigs } from '../src/lib/server/gigs/gigs.js';
import { startServerProcess } from '../tests/support/process.js';
import { startExternalRedis } from '../tests/support/redis-server.js';
import { embeddedRedisPid, percentiles } from '../tests/faults/outage.js';
import { gigInput } from '../tests/support/fixtures.js';
import pino from 'pino';

const RESULTS = new URL('./results/', import.meta.url);
const silent = pino({ level: 'silent' });

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 5));
	}
}
const status = (url: string) => fetch(url).then((r) => r.status, () => 0);

/** SIGKILL the embedded redis-server `times` times; time until /readyz and the home page are 200. */
async function restart(keys: number, times: number) {
	const server = await startServerProcess({ RTMP_PORT: '0' });
	try {
		if (keys > 0) {
			const redis = await connectRedis({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') });
			for (let i = 0; i < keys; i += 1000) {
				const batch = redis.pipeline();
				for (let j = i; j < Math.min(keys, i + 1000); j++) batch.hset(`gs:bench:${j}`, 'id', String(j), 'payload', 'x'.repeat(200));
				await batch.exec();
			}
			redis.disconnect();
		}
		const ready: number[] = [];
		const page: number[] = [];
		for (let n = 0; n < times; n++) {
			const killedAt = Date.now();
			process.kill(embeddedRedisPid(server.dataDir), 'SIGKILL');
			await until(async () => (await status(`${server.url}/readyz`)) === 503, 2000).catch(() => undefined);
			await until(async () => (await status(`${server.url}/readyz`)) === 200);
			ready.push(Date.now() - killedAt);
			await until(async () => (await status(`${server.url}/`)) === 200);
			page.push(Date.now() - killedAt);
			// Further apart than the supervisor's calm period: each kill is a first death, restarted at once.
			await new Promise((r) => setTimeout(r, 10_500));
		}
		return { keys, times, killToReadyMs: percentiles(ready), killToPageMs: percentiles(page) };
	} finally {
		await server.stop();
	}
}

/** Page answers while an external Redis is gone (killed), then while it is frozen (SIGSTOP). */
async function unavailable(requests: number) {
	const external = await startExternalRedis();
	const server = await startServerProcess({ RTMP_PORT: '0', REDIS_URL: external.url });
	const timeRequests = async () => {
		const times: number[] = [];
		const statuses = new Map<number, number>();
		for (let i = 0; i < requests; i++) {
			const at = performance.now();
			const code = await status(`${server.url}/`);
			times.push(performance.now() - at);
			statuses.set(code, (statuses.get(code) ?? 0) + 1);
		}
		return { statuses: Object.fromEntries(statuses), ms: percentiles(times.map((t) => Math.round(t * 10) / 10)) };
	};
	try {
		await status(`${server.url}/`); // warm
		const up = await timeRequests();
		await external.kill();
		await until(async () => (await status(`${server.url}/readyz`)) === 503);
		const gone = await timeRequests();
		await external.start();
		await until(async () => (await status(`${server.url}/readyz`)) === 200);
		external.freeze();
		const frozenAt = Date.now();
		const first = performance.now();
		const firstStatus = await status(`${server.url}/`);
		const firstMs = Math.round(performance.now() - first);
		await until(async () => (await status(`${server.url}/readyz`)) === 503);
		const detectedMs = Date.now() - frozenAt;
		const frozen = await timeRequests();
		external.thaw();
		return { requests, up, gone, frozen: { firstRequest: { status: firstStatus, ms: firstMs }, detectedAfterMs: detectedMs, after: frozen } };
	} finally {
		external.thaw();
		await server.stop();
		await external.close();
	}
}

/** redis-benchmark SETs (20 clients) and Gigstage ticket issuing, with each fsync policy. */
async function fsync(policy: 'always' | 'everysec') {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-fsync-'));
	const embedded = await startEmbeddedRedis(dir, silent, { appendfsync: policy });
	try {
		const bench = spawnSync('redis-benchmark', ['-s', embedded.socketPath, '-t', 'set', '-n', '50000', '-c', '20', '-q', '--csv'], { encoding: 'utf8' });
		const row = bench.stdout.trim().split('\n').find((l) => l.startsWith('"SET"'))?.split(',').map((v) => v.replace(/"/g, ''));
		const redisBenchmark = row ? { setsPerSecond: Number(row[1]), p50Ms: Number(row[3]), p95Ms: Number(row[4]), p99Ms: Number(row[5]) } : { error: bench.stderr || bench.stdout };

		const redis = await connectRedis({ socketPath: embedded.socketPath });
		const gigs = new Gigs(redis);
		const tickets = new Tickets(redis);
		const gig = await gigs.create({ id: 'bench-creator', role: 'creator' }, gigInput({ price: '0' }));
		let buyer = 0;
		const issueOne = async () => {
			const checkout = await tickets.startCheckout(gig, `buyer-${buyer++}`, 'free');
			await tickets.issue(checkout.id, null);
		};
		const one: number[] = [];
		for (let i = 0; i < 300; i++) {
			const at = performance.now();
			await issueOne();
			one.push(performance.now() - at);
		}
		const concurrent: number[] = [];
		const started = performance.now();
		await Promise.all(
			Array.from({ length: 20 }, async () => {
				for (let i = 0; i < 50; i++) {
					const at = performance.now();
					await issueOne();
					concurrent.push(performance.now() - at);
				}
			})
		);
		const seconds = (performance.now() - started) / 1000;
		redis.disconnect();
		const round = (values: number[]) => percentiles(values.map((v) => Math.round(v * 100) / 100));
		return { policy, redisBenchmark, ticketOneAtATimeMs: round(one), ticket20AtOnce: { ms: round(concurrent), ticketsPerSecond: Math.round(1000 / seconds) } };
	} finally {
		await embedded.stop();
		rmSync(dir, { recursive: true, force: true });
	}
}

// BENCH_PARTS=fsync,restart,unavailable (default all) runs only those.
const PARTS = new Set((process.env.BENCH_PARTS ?? 'fsync,restart,unavailable').split(','));

async function main(): Promise<void> {
	const started = new Date().toISOString();
	const results = {
		started,
		machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, load: os.loadavg(), note: 'shared, busy machine unless stated otherwise' },
		fsync: PARTS.has('fsync') ? [await fsync('always'), await fsync('everysec')] : null,
		restart: PARTS.has('restart') ? [await restart(0, 5), await restart(200_000, 3)] : null,
		unavailable: PARTS.has('unavailable') ? await unavailable(200) : null
	};
	await mkdir(RESULTS, { recursive: true });
	await writeFile(new URL('faults.json', RESULTS), JSON.stringify(results, null, 2));
	console.log(JSON.stringify(results, null, 2));
}

await main();
