import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures, type Person } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { waitFor } from '../support/media.js';
import { embeddedRedisPid } from './outage.js';
import { stopStaleRedis } from '../../server/redis/stale-redis.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-power-'));
let current: { server: ServerProcess; redis: Redis } | null = null;
afterAll(async () => {
	// Whatever a failed test left running: the server, and a redis-server it may have orphaned.
	current?.redis.disconnect();
	await current?.server.stop();
	await stopStaleRedis(path.join(dataDir, 'redis', 'redis.pid'));
	rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ server: ServerProcess; redis: Redis; make: ReturnType<typeof fixtures> }> {
	const server = await startServerProcess({ RTMP_PORT: '0' }, { dataDir });
	const redis = await connectRedis({ socketPath: path.join(dataDir, 'redis', 'redis.sock') });
	current = { server, redis };
	return { server, redis, make: fixtures(redis) };
}

const buy = (server: ServerProcess, buyer: Person, gigId: string) => new HttpClient(server.url).useSession(buyer.token).post(`/gigs/${gigId}?/buy`, { method: 'free' });
const hasStrace = spawnSync('strace', ['-V']).status === 0;

describe('durability of acknowledged purchases', () => {
	// Redis answers a write only after fdatasync of its append-only file: what is acknowledged
	// survives a power cut, not only a crash. Seen in the system calls it makes.
	it.skipIf(!hasStrace)('fsyncs the append-only file before a purchase is acknowledged', async () => {
		const { server, redis, make } = await start();
		try {
			const creator = await make.person('creator');
			const gig = await make.gig(creator, { price: '0' });
			const buyer = await make.person();
			const trace = path.join(dataDir, 'redis.strace');
			const tracer = spawn('strace', ['-f', '-s', '512', '-e', 'trace=write,writev,fdatasync,fsync', '-o', trace, '-p', String(embeddedRedisPid(dataDir))], { stdio: ['ignore', 'ignore', 'pipe'] });
			let said = '';
			tracer.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
			await waitFor('strace is attached to redis-server', () => /attached/.test(said), 10_000);
			expect((await buy(server, buyer, gig.id)).status).toBe(200);
			const [ticket] = await make.tickets.forUser(buyer.user.id);
			tracer.kill('SIGINT');
			await new Promise((r) => tracer.once('exit', r));

			const calls = readFileSync(trace, 'utf8').split('\n');
			const logged = calls.findIndex((c) => /^\d+ +write\(\d+, "\*/.test(c) && c.includes(`gs:ticket:${ticket!.id}`));
			expect(logged, 'the ticket written to the append-only file').toBeGreaterThan(-1);
			const aofFd = /write\((\d+),/.exec(calls[logged]!)![1];
			const synced = calls.findIndex((c, i) => i > logged && new RegExp(`f(data)?sync\\(${aofFd}\\)`).test(c));
			const answered = calls.findIndex((c, i) => i > logged && /write\(\d+,/.test(c) && !c.includes(`write(${aofFd},`) && c.includes(ticket!.id));
			expect(answered, 'the answer carrying the ticket id').toBeGreaterThan(-1);
			expect(synced, 'fdatasync of the append-only file').toBeGreaterThan(-1);
			expect(synced, 'synced before answering').toBeLessThan(answered);
		} finally {
			redis.disconnect();
			await server.stop();
		}
	}, 60_000);

	it('keeps every acknowledged ticket when Redis and the server, or the server alone, are killed right after purchases, at random moments', async () => {
		let { server, redis, make } = await start();
		const creator = await make.person('creator');
		const gig = await make.gig(creator, { price: '0' });
		const everyone = await Promise.all(Array.from({ length: 25 }, () => make.person()));
		const acknowledged: string[] = [];
		const deadline = Date.now() + 30_000;
		let rounds = 0;
		for (; rounds < 4 && Date.now() < deadline; rounds++) {
			const buyers = everyone.slice(rounds * 5, rounds * 5 + 5);
			// Two buyers at a time; the power goes 0-10 ms after a random acknowledgement, while the
			// other buyer's purchase may be half done.
			const cutAfter = 1 + Math.floor(Math.random() * 4);
			let acks = 0;
			let cut: Promise<void> | null = null;
			// Every other round only Gigstage dies (a crash, the OOM killer): its redis-server lives on,
			// and the next Gigstage must stop it before starting its own on the same file.
			const alsoRedis = rounds % 2 === 0;
			const powerCut = () => {
				const pid = embeddedRedisPid(dataDir);
				return new Promise<void>((r) => setTimeout(r, Math.random() * 10)).then(async () => {
					if (alsoRedis) process.kill(pid, 'SIGKILL');
					await server.kill();
				});
			};
			const queue = [...buyers];
			await Promise.all(
				Array.from({ length: 2 }, async () => {
					for (let buyer = queue.shift(); buyer && !cut; buyer = queue.shift()) {
						const answer = await buy(server, buyer, gig.id).catch(() => null);
						if (answer?.status !== 200 || cut) continue;
						acknowledged.push(buyer.user.id);
						if (++acks >= cutAfter) cut = powerCut();
					}
				})
			);
			await (cut ?? powerCut());
			redis.disconnect();
			({ server, redis, make } = await start());
			// redis-server names itself after its socket in the process list.
			const servers = spawnSync('pgrep', ['-f', `redis-server unixsocket:${path.join(dataDir, 'redis', 'redis.sock')}`]).stdout.toString().split('\n').filter(Boolean);
			expect(servers, 'one redis-server on the data directory').toHaveLength(1);
			if (!alsoRedis) expect(server.logs.some((l) => l.includes('stopped a redis-server left running'))).toBe(true);
			for (const userId of acknowledged) expect(await make.tickets.hasTicket(gig.id, userId), `round ${rounds + 1}: acknowledged ticket of ${userId}`).toBe(true);
		}
		expect(rounds, 'rounds of power cuts').toBeGreaterThanOrEqual(3);
		expect(acknowledged.length).toBeGreaterThan(rounds);
		redis.disconnect();
		await server.stop();
	}, 90_000);
});
