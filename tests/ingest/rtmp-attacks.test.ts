import { readdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { serverForThisFile } from '../support/server.js';
import { ingestProbe } from '../support/ingest.js';
import { waitFor } from '../support/media.js';
import { connectRaw, type RawRtmp } from '../support/raw-rtmp.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const START_S = 3;
const MAX_CONNECTIONS = 40;
const PER_ADDRESS = 8;
// Every line the server logs, at every level: no stream key may be in any of them.
const logLines: string[] = [];
const site = serverForThisFile(
	{ RTMP_START_SECONDS: String(START_S), RTMP_MAX_CONNECTIONS: String(MAX_CONNECTIONS), RTMP_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS), RTMP_REENCODE_MAX: '2' },
	pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) })
);
const rtmp = ingestProbe(
	() => site.server.redis,
	() => site.server.server.ingest.port!
);
const raws: RawRtmp[] = [];
afterEach(async () => {
	for (const raw of raws.splice(0)) raw.socket.destroy();
	await rtmp.stopAll();
});

const port = () => site.server.server.ingest.port!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function publishLive(gig: Gig, options = {}) {
	const publisher = await rtmp.publish(gig, options);
	await waitFor('the gig is live', async () => (await rtmp.gigStatus(gig)) === 'live', 20_000);
	return publisher;
}

/** Every process this test process started, with its command line. */
function descendants(): { pid: number; cmdline: string }[] {
	const parents = new Map<number, number>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
		} catch {
			// gone meanwhile
		}
	}
	const ours = new Set([process.pid]);
	for (let grew = true; grew; ) {
		grew = false;
		for (const [pid, ppid] of parents) if (ours.has(ppid) && !ours.has(pid)) (ours.add(pid), (grew = true));
	}
	ours.delete(process.pid);
	return [...ours].flatMap((pid) => {
		try {
			return [{ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ') }];
		} catch {
			return [];
		}
	});
}

/** Opens `count` raw connections from `addresses` (round robin) that each send a byte every 500 ms and never finish the handshake. */
async function trickle(count: number, addresses: string[]): Promise<RawRtmp[]> {
	const opened = await Promise.all(Array.from({ length: count }, (_, i) => connectRaw(port(), addresses[i % addresses.length])));
	raws.push(...opened);
	for (const raw of opened) {
		raw.socket.write(Buffer.from([3]));
		const timer = setInterval(() => (raw.isOpen() ? raw.socket.write(Buffer.from([1])) : clearInterval(timer)), 500);
		void raw.closed.then(() => clearInterval(timer));
	}
	return opened;
}

describe('stream keys stay secret on this machine', () => {
	it('no process started for a stream carries its key, a token or an RTMP URL in its arguments, passed through or re-encoded', async () => {
		for (const profile of ['main', 'high'] as const) {
			const { gig } = await site.make.show();
			const key = await rtmp.streamKey(gig);
			await publishLive(gig, { profile });
			const bridge = site.server.server.ingest.bridgePids().get(gig.id)!;
			const processes = descendants();
			const server = processes.filter((p) => !p.cmdline.includes(`/live/${key}`)); // the test's own publisher carries it, as OBS would
			expect(server.map((p) => p.pid), 'the bridge is among them').toEqual(expect.arrayContaining(bridge));
			for (const { cmdline } of server) {
				expect(cmdline).not.toContain(key);
				expect(cmdline).not.toMatch(/token|rtmp:\/\//);
			}
			for (const pid of bridge) expect(server.find((p) => p.pid === pid)!.cmdline).toContain('-i pipe:0');
			await rtmp.stopAll();
		}
	}, 90_000);

	it('plays a stream to nobody, not even from this machine with the old bridge URL', async () => {
		const { gig } = await site.make.show();
		const key = await rtmp.streamKey(gig);
		await publishLive(gig);
		const { spawn } = await import('node:child_process');
		for (const url of [`rtmp://127.0.0.1:${port()}/live/${key}`, `rtmp://127.0.0.1:${port()}/live/${key}?token=0123456789abcdef`]) {
			const player = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-rw_timeout', '5000000', '-i', url, '-t', '1', '-f', 'null', '-']);
			let output = '';
			player.stderr.on('data', (c: Buffer) => (output += c.toString()));
			expect(await new Promise((resolve) => player.once('exit', resolve))).not.toBe(0);
			expect(output).toContain('playing is not offered here');
		}
	}, 30_000);

	it('writes no stream key into any log line at any level, from a publish to its end and a refusal', async () => {
		const { gig, creator } = await site.make.show();
		const key = await rtmp.streamKey(gig);
		const publisher = await publishLive(gig);
		await publisher.stop();
		await site.make.gigs.rotateStreamKey(gig.id, creator.user);
		await rtmp.refused(await rtmp.publish(gig, {}, key), 'STREAM_KEY_UNKNOWN');
		expect(logLines.length, 'the server logged at trace level').toBeGreaterThan(20);
		expect(logLines.filter((line) => line.includes(key))).toEqual([]);
	}, 30_000);
});

describe('connections that never start publishing', () => {
	it('cuts every one that has not started publishing by the deadline, however it trickles, and caps them in all', async () => {
		const addresses = Array.from({ length: 60 }, (_, i) => `127.0.3.${i + 1}`);
		const started = Date.now();
		const flood = await trickle(60, addresses);
		await sleep(1000);
		const open = flood.filter((r) => r.isOpen()).length;
		expect(open, 'the total cap held').toBeLessThanOrEqual(MAX_CONNECTIONS);
		expect(open, 'connections under the cap were taken').toBeGreaterThanOrEqual(MAX_CONNECTIONS - 5);
		const closedAt = await Promise.all(flood.map((r) => Promise.race([r.closed, sleep((START_S + 3) * 1000).then(() => Infinity)])));
		expect(closedAt.filter((at) => at === Infinity).length, 'none is open past the deadline').toBe(0);
		expect(Math.max(...closedAt) - started).toBeLessThan((START_S + 2) * 1000);
		// Room again: an encoder gets in.
		const { gig } = await site.make.show();
		await publishLive(gig);
	}, 60_000);

	it('one address cannot take more than its share, and encoders from elsewhere still go live meanwhile', async () => {
		const flood = await trickle(60, ['127.0.0.2']);
		await sleep(500);
		expect(flood.filter((r) => r.isOpen()).length).toBeLessThanOrEqual(PER_ADDRESS);
		const { gig } = await site.make.show();
		await publishLive(gig);
	}, 30_000);

	it('drops a connection that declares a message too big for a command before publishing', async () => {
		const raw = await connectRaw(port());
		raws.push(raw);
		expect(await raw.handshake()).toBe(true);
		// Chunk stream 3, type-0 header: timestamp 0, length 0xffffff (16 MB), type 20 (AMF0 command), stream 0; then its first byte.
		raw.socket.write(Buffer.from([0x03, 0, 0, 0, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0, 0x02]));
		expect(await Promise.race([raw.closed.then(() => 'closed'), sleep(2000).then(() => 'open')])).toBe('closed');
	});

	it('drops a connection that opens many chunk streams or sets a chunk size of 0', async () => {
		const many = await connectRaw(port());
		raws.push(many);
		expect(await many.handshake()).toBe(true);
		// 40 chunk streams (ids 3..42), each a 100-byte message begun but not finished.
		many.socket.write(Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.from([i + 3, 0, 0, 0, 0, 0, 100, 20, 0, 0, 0, 0, 0x02]))));
		expect(await Promise.race([many.closed.then(() => 'closed'), sleep(2000).then(() => 'open')])).toBe('closed');

		const zero = await connectRaw(port());
		raws.push(zero);
		expect(await zero.handshake()).toBe(true);
		// Set Chunk Size (type 1) to 0 on the control stream.
		zero.socket.write(Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
		expect(await Promise.race([zero.closed.then(() => 'closed'), sleep(2000).then(() => 'open')])).toBe('closed');
	});
});
