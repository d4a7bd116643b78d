import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures, gigInput } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { waitFor } from '../support/media.js';
import { connectClient } from '../support/server.js';
import { connectLive } from '../live/clients.js';
import { Covers } from '../../src/lib/server/gigs/covers.js';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { startEmbeddedRedis } from '../../server/redis/embedded-redis.js';
import { testLog } from '../support/log.js';
import { DomainError } from '../../src/lib/server/errors.js';
import { logLines } from './outage.js';

// DATA_DIR on a tiny filesystem of its own: a size-limited tmpfs, mounted in a private mount
// namespace (unshare -m) that only the server process sees. The test reaches its files through
// /proc/<pid>/root. Needs root (or CAP_SYS_ADMIN), as the CI machine has.
const SIZE_MB = 48;
const RESERVE_MB = 6;
const canMount = spawnSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=1m none "$d" && umount "$d"; rmdir "$d"']).status === 0;

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(300 * 1024, 7)]);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-disk-'));
let server: ServerProcess;
let redis: Redis;
let make: ReturnType<typeof fixtures>;
/** A path under DATA_DIR as the server sees it (on its tmpfs). */
const onDisk = (...parts: string[]) => path.join(`/proc/${server.pid}/root`, dataDir, ...parts);

beforeAll(async () => {
	if (!canMount) return;
	server = await startServerProcess(
		{ DISK_RESERVE_MB: String(RESERVE_MB), RTMP_PORT: '0' },
		{ dataDir, wrap: (command) => ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o size=${SIZE_MB}m gigstage-data "$0" && exec "$@"`, dataDir, ...command] }
	);
	redis = await connectRedis({ socketPath: onDisk('redis', 'redis.sock') });
	make = fixtures(redis);
});
afterAll(async () => {
	redis?.disconnect();
	await server?.stop();
	rmSync(dataDir, { recursive: true, force: true });
});

/** Writes a file until the disk refuses; returns its path. */
function fillTheDisk(): string {
	const filler = onDisk('filler');
	const fd = openSync(filler, 'w');
	const chunk = Buffer.alloc(1024 * 1024, 1);
	try {
		for (;;) writeSync(fd, chunk);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
	} finally {
		closeSync(fd);
	}
	return filler;
}

describe('a full disk under DATA_DIR', () => {
	it.skipIf(!canMount)('refuses new covers and writes with a clear 507, keeps shows and everything stored readable and intact, and takes writes again once space is freed', async () => {
		const creator = await make.person('creator');
		const gig = await make.gig(creator, { price: '0' });
		const studio = new HttpClient(server.url).useSession(creator.token);
		const form = { ...gigInput({ title: 'Test gig', price: '0' }), description: '', capacity: '', durationMinutes: '60', startsAtLocal: '2030-06-01T20:00' };
		expect((await studio.post(`/gigs/${gig.id}/edit?/update`, { ...form, cover: new Blob([PNG], { type: 'image/png' }) })).status).toBe(200);
		const coverUrl = /\/covers\/[a-z0-9]+-[a-z0-9]+\.png/.exec((await studio.get(`/gigs/${gig.id}`)).text)![0];
		const fan = await make.person();
		await make.ticket(gig, fan);
		const buyer = await make.person();
		const earlyBuyers = await Promise.all(Array.from({ length: 12 }, () => make.person()));
		const linesBefore = server.logs.length;

		const filler = fillTheDisk();
		// Before the disk guard notices, a purchase either fits in what the file system still holds
		// or is refused (Redis exits on a write it cannot finish and comes back refusing writes):
		// never a hang, a 500 or a half-written ticket.
		const early: { userId: string; status: number }[] = [];
		for (const person of earlyBuyers) {
			const answer = await new HttpClient(server.url).useSession(person.token).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
			early.push({ userId: person.user.id, status: answer.status });
			if (answer.status !== 200) break;
		}
		expect(early.filter((a) => ![200, 503, 507].includes(a.status))).toEqual([]);
		await waitFor('the server noticed the full disk', () => logLines(server.logs.slice(linesBefore), /disk almost full/).length > 0, 10_000);

		// The operator sees it in readiness (ready again once a Redis that died on the full disk is
		// back, refusing writes: shows and reads go on) and once in the log.
		await waitFor('ready, though degraded', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
		const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { ready: boolean; degraded: string[] };
		expect(ready.degraded).toContain('disk almost full');

		// People trying to save something are told why, in the form they used.
		await waitFor('Redis refuses writes', async () => (await new HttpClient(server.url).useSession(buyer.token).post(`/gigs/${gig.id}?/buy`, { method: 'free' })).status === 507, 10_000);
		const purchase = await new HttpClient(server.url).useSession(buyer.token).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(purchase.status).toBe(507);
		expect(purchase.text).toContain('storage is full');
		const signUp = await new HttpClient(server.url).post('/signup', { email: 'late@example.test', password: 'correct horse battery staple', displayName: 'Late Person' });
		expect(signUp.status).toBe(507);
		expect(signUp.text).toContain('storage is full');
		expect(signUp.text, 'the form keeps what was typed').toContain('late@example.test');
		const newCover = await studio.post(`/gigs/${gig.id}/edit?/update`, { ...form, cover: new Blob([PNG], { type: 'image/png' }) });
		expect(newCover.status).toBe(507);
		expect(newCover.text).toContain('storage is full');

		// A cover written straight to the full disk (its records in a Redis elsewhere, which has room)
		// fails whole: a clear refusal, no partial file.
		const roomyDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-roomy-'));
		const elsewhere = await startEmbeddedRedis(roomyDir, testLog);
		const roomy = await connectRedis({ socketPath: elsewhere.socketPath });
		try {
			const roomyGigs = new Gigs(roomy);
			const roomyGig = await roomyGigs.create(creator.user, gigInput({ price: '0' }));
			const covers = new Covers(onDisk(), roomy, roomyGigs);
			const refused = await covers.upload(roomyGig.id, creator.user, new File([PNG], 'cover.png', { type: 'image/png' }), '127.0.0.1').catch((e: unknown) => e);
			expect(refused).toBeInstanceOf(DomainError);
			expect((refused as DomainError).code).toBe('STORAGE_FULL');
			expect((refused as DomainError).fields.cover).toMatch(/disk is full/);
			expect(readdirSync(onDisk('covers')).filter((f) => f.endsWith('.part') || f.startsWith(roomyGig.id))).toEqual([]);
		} finally {
			roomy.disconnect();
			await elsewhere.stop();
			rmSync(roomyDir, { recursive: true, force: true });
		}

		// Reading goes on: pages, the stored cover byte for byte, the ticket holder's stream and chat.
		expect((await new HttpClient(server.url).get(`/gigs/${gig.id}`)).status).toBe(200);
		const image = await fetch(server.url + coverUrl);
		expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
		const me = await new HttpClient(server.url).useSession(fan.token).get('/me');
		expect(me.text).toContain('Test gig');
		const media = await connectClient(server.url, fan.cookie);
		expect(await media.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
		media.close();
		const chat = await connectLive(server.url, fan.cookie);
		expect(await chat.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		expect((await chat.request('chat:send', { text: 'hello?' })).error.code).toBe('STORAGE_FULL');

		// Nothing stored is damaged: every purchase that was answered yes is there, and Redis's
		// append-only file checks out.
		for (const { userId } of early.filter((a) => a.status === 200)) expect(await make.tickets.hasTicket(gig.id, userId)).toBe(true);
		const check = spawnSync('redis-check-aof', [onDisk('redis', 'appendonlydir', readdirSync(onDisk('redis', 'appendonlydir')).find((f) => f.endsWith('.manifest'))!)]);
		expect(check.stdout.toString()).toMatch(/is valid/);

		// Space freed: writes come back by themselves.
		unlinkSync(filler);
		await waitFor('the server noticed the space', () => logLines(server.logs.slice(linesBefore), /disk has room again/).length > 0, 10_000);
		const bought = await new HttpClient(server.url).useSession(buyer.token).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(bought.status).toBe(200);
		expect((await chat.request('chat:send', { text: 'back' })).ok).toBeDefined();
		chat.close();
		expect(logLines(server.logs.slice(linesBefore), /disk almost full/), 'one line when it filled').toHaveLength(1);
	}, 60_000);
});
