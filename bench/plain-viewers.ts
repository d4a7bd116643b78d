/**
 * The fan-out benchmark's crowd: server-side viewers, each a PlainTransport placed like a browser
 * viewer's (GigRoom.createPlainReceiver) consuming the host's video and sound over SRTP, sending to
 * a loopback port where nothing reads (the kernel drops what overflows). No browser could be started
 * by the hundred here; the worker does the same work per consumer either way (encrypt, send).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { Router } from 'mediasoup/node/lib/Router';
import type { GigRoom } from '../sfu/gig-room.js';
import { percentile, sleep } from './frame-clock.js';

export type Sink = { port: number; stop(): void };

/**
 * A UDP port that takes packets and never reads them: a socket bound by a process that only
 * sleeps. Reading hundreds of thousands of packets a second would cost a core the workers need.
 */
export async function startSink(): Promise<Sink> {
	const probe = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
	const port = probe.address().port;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	const holder: ChildProcess = spawn('python3', ['-c', `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('127.0.0.1',${port}))\nprint('ready',flush=True)\ntime.sleep(3600)`], { stdio: ['ignore', 'pipe', 'ignore'] });
	await new Promise<void>((resolve, reject) => {
		holder.once('error', reject);
		holder.stdout!.once('data', () => resolve());
	});
	return { port, stop: () => void holder.kill('SIGKILL') };
}

/** A random SRTP key for the far end the sink stands for (nothing there decrypts). */
const srtpParameters = () => ({ cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: randomBytes(30).toString('base64') });

export class PlainViewers {
	private count = 0;

	constructor(
		private readonly room: GigRoom,
		private readonly producerIds: string[],
		private readonly sinkPort: number
	) {}

	get size(): number {
		return this.count;
	}

	/** Adds `n` viewers, ten at a time (a crowd arriving, without flooding the workers' channels). */
	async add(n: number): Promise<void> {
		for (let done = 0; done < n; done += 10) {
			await Promise.all(Array.from({ length: Math.min(10, n - done) }, () => this.addOne()));
		}
	}

	private async addOne(): Promise<void> {
		const peerId = `bench-viewer-${this.count++}`;
		this.room.addPeer(peerId);
		const { id } = await this.room.createPlainReceiver(peerId, { ip: '127.0.0.1', port: this.sinkPort }, srtpParameters());
		for (const producerId of this.producerIds) {
			const consumer = await this.room.consume(peerId, id, producerId, this.room.rtpCapabilities);
			await this.room.resumeConsumer(peerId, consumer.id);
		}
	}
}

/**
 * What a pipe hop adds: the same sound packets consumed in the router they live in and in an edge
 * router fed from it, each to a socket here; the difference of their arrival times, per packet
 * (matched by RTP timestamp, which consumers of one stream keep).
 */
export async function measurePipeHop(origin: Router, edge: Router, producerId: string, ms: number): Promise<{ median_ms: number; p95_ms: number; packets: number }> {
	const arrivals = [new Map<number, bigint>(), new Map<number, bigint>()];
	const closers: (() => void)[] = [];
	for (const [i, router] of [origin, edge].entries()) {
		const socket = dgram.createSocket('udp4');
		socket.on('message', (packet) => {
			if (packet.length < 12 || (packet[1]! >= 200 && packet[1]! <= 206)) return; // RTCP
			arrivals[i]!.set(packet.readUInt32BE(4), process.hrtime.bigint());
		});
		await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
		const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
		await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
		await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
		closers.push(() => {
			transport.close();
			socket.close();
		});
	}
	await sleep(ms);
	for (const close of closers) close();
	const hops: number[] = [];
	for (const [timestamp, atOrigin] of arrivals[0]!) {
		const atEdge = arrivals[1]!.get(timestamp);
		if (atEdge !== undefined) hops.push(Number(atEdge - atOrigin) / 1e6);
	}
	hops.sort((a, b) => a - b);
	const ms2 = (v: number) => Math.round(v * 100) / 100;
	return { median_ms: ms2(percentile(hops, 0.5)), p95_ms: ms2(percentile(hops, 0.95)), packets: hops.length };
}
