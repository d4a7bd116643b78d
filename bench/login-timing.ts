/**
 * Log-in time for an email with an account (wrong password) and for an email nobody uses, over
 * HTTP against the production server: the two must not be told apart. Each attempt comes from its
 * own address (the server trusts this machine as its proxy) and no account gets more than one
 * wrong guess, so no budget slows anything down. Writes bench/results/login-timing.json.
 * Run: `npm run bench:login` (env BENCH_ATTEMPTS, default 60 of each, interleaved).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectRedis } from '../src/lib/server/store.js';
import { fixtures } from '../tests/support/fixtures.js';
import { startServerProcess } from '../tests/support/process.js';

const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 60);
const RESULTS = new URL('./results/', import.meta.url);

const server = await startServerProcess({ TRUST_PROXY: 'loopback' });
const redis = await connectRedis({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') });
try {
	const make = fixtures(redis);
	const people = [];
	for (let i = 0; i < ATTEMPTS; i++) people.push(await make.person());

	async function attempt(email: string, n: number): Promise<number> {
		const body = new URLSearchParams({ email, password: 'a wrong password entirely' });
		const started = performance.now();
		const answer = await fetch(`${server.url}/login`, {
			method: 'POST',
			body,
			redirect: 'manual',
			headers: { origin: server.url, accept: 'text/html', 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` }
		});
		await answer.text();
		const took = performance.now() - started;
		if (answer.status !== 401) throw new Error(`expected 401 for ${email}, got ${answer.status}`);
		return took;
	}

	// Warm up both paths (first requests compile code and open connections).
	for (let i = 0; i < 3; i++) {
		await attempt(`warm-${i}@example.test`, 100_000 + i);
	}
	const existing: number[] = [];
	const unknown: number[] = [];
	for (let i = 0; i < ATTEMPTS; i++) {
		existing.push(await attempt(people[i]!.user.email, 2 * i));
		unknown.push(await attempt(`nobody-${i}-${Date.now()}@example.test`, 2 * i + 1));
	}
	const summary = (times: number[]) => {
		const sorted = [...times].sort((a, b) => a - b);
		const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
		return { medianMs: at(0.5), p95Ms: at(0.95), minMs: at(0), maxMs: at(1) };
	};
	const result = {
		when: new Date().toISOString(),
		machine: { cpus: os.cpus().length, load1: os.loadavg()[0], node: process.version },
		attempts: ATTEMPTS,
		existingEmailWrongPassword: summary(existing),
		unknownEmail: summary(unknown)
	};
	await mkdir(RESULTS, { recursive: true });
	await writeFile(new URL('login-timing.json', RESULTS), JSON.stringify(result, null, 2) + '\n');
	console.log(JSON.stringify(result, null, 2));
} finally {
	redis.disconnect();
	await server.stop();
}
