import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Router } from 'mediasoup/node/lib/Router';
import type { Consumer } from 'mediasoup/node/lib/Consumer';

export type Decoded = { frames: number; codec: string; profileLevelId: string | null; output: string };

async function freeUdpPort(): Promise<number> {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	const { port } = socket.address();
	await new Promise<void>((resolve) => socket.close(() => resolve()));
	return port;
}

/**
 * Consumes a video producer of `router` over a PlainTransport and decodes it with ffmpeg (as a
 * viewer's decoder would): resolves with how many frames ffmpeg decoded within `ms`.
 */
export async function decodeVideo(router: Router, producerId: string, { frames = 20, ms = 15_000 } = {}): Promise<Decoded> {
	return withConsumerSdp(router, producerId, async (sdpFile, consumer) => {
		const codec = consumer.rtpParameters.codecs[0]!;
		const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-map', '0:v', '-frames:v', String(frames), '-progress', 'pipe:1', '-f', 'null', '-'], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let decoded = 0;
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => {
			for (const match of chunk.toString().matchAll(/^frame=(\d+)/gm)) decoded = Math.max(decoded, Number(match[1]));
		});
		child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
		// ffmpeg listens once it has read the SDP; start the flow a moment later.
		await new Promise((resolve) => setTimeout(resolve, 300));
		await consumer.resume();
		const timer = setTimeout(() => child.kill('SIGKILL'), ms);
		await new Promise((resolve) => child.once('exit', resolve));
		clearTimeout(timer);
		return { frames: decoded, codec: codec.mimeType, profileLevelId: (codec.parameters?.['profile-level-id'] as string | undefined) ?? null, output };
	});
}

/**
 * Consumes a video producer of `router` (paused) over a PlainTransport to a free local port, and
 * hands `use` an SDP file for ffmpeg to receive it with; everything is closed afterwards.
 */
async function withConsumerSdp<T>(router: Router, producerId: string, use: (sdpFile: string, consumer: Consumer) => Promise<T>): Promise<T> {
	const port = await freeUdpPort();
	const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
	const dir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-decode-'));
	try {
		await transport.connect({ ip: '127.0.0.1', port });
		const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities, paused: true });
		const codec = consumer.rtpParameters.codecs[0]!;
		const pt = codec.payloadType;
		const fmtp = Object.entries(codec.parameters ?? {})
			.map(([k, v]) => `${k}=${v}`)
			.join(';');
		const sdp = [
			'v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=decode', 'c=IN IP4 127.0.0.1', 't=0 0',
			`m=video ${port} RTP/AVP ${pt}`, `a=rtpmap:${pt} ${codec.mimeType.split('/')[1]!}/${codec.clockRate}`, ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []), 'a=rtcp-mux', 'a=recvonly', ''
		].join('\n');
		const sdpFile = path.join(dir, 'consumer.sdp');
		await writeFile(sdpFile, sdp);
		return await use(sdpFile, consumer);
	} finally {
		transport.close();
		await rm(dir, { recursive: true, force: true });
	}
}

/** Consumes a producer of `router` over a PlainTransport and collects the RTP timestamps of `count` packets (or what came within `ms`). */
export async function receiveRtpTimestamps(router: Router, producerId: string, { count = 150, ms = 10_000 } = {}): Promise<number[]> {
	const socket = dgram.createSocket('udp4');
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
	try {
		await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
		const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
		const timestamps: number[] = [];
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			socket.on('message', (packet: Buffer) => {
				// RTP, not RTCP (payload types 72-79 with the marker bit are RTCP's 200-207).
				if (packet.length < 12 || (packet[1]! & 0x7f) !== consumer.rtpParameters.codecs[0]!.payloadType) return;
				timestamps.push(packet.readUInt32BE(4));
				if (timestamps.length >= count) {
					clearTimeout(timer);
					resolve();
				}
			});
		});
		return timestamps;
	} finally {
		transport.close();
		socket.close();
	}
}

export type VideoSample = { codec: string; width: number; height: number; frames: number; fps: number };

/** Decodes a video producer for `ms` (after the first frame) and reports its size and frame rate. */
export async function sampleVideo(router: Router, producerId: string, ms = 4000): Promise<VideoSample> {
	return withConsumerSdp(router, producerId, async (sdpFile, consumer) => {
		// Frame counts with wall-clock times, from -progress; the size from the stream line.
		const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'info', '-protocol_whitelist', 'file,udp,rtp', '-i', sdpFile, '-map', '0:v', '-progress', 'pipe:1', '-stats_period', '0.25', '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
		const progress: { at: number; frame: number }[] = [];
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => {
			for (const match of chunk.toString().matchAll(/^frame=(\d+)/gm)) progress.push({ at: Date.now(), frame: Number(match[1]) });
		});
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		await new Promise((resolve) => setTimeout(resolve, 300));
		await consumer.resume();
		const started = Date.now();
		while (!progress.some((p) => p.frame > 0) && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 100));
		const first = progress.find((p) => p.frame > 0);
		await new Promise((resolve) => setTimeout(resolve, ms));
		child.kill('SIGKILL');
		await new Promise((resolve) => child.once('exit', resolve));
		const last = progress.at(-1);
		const size = /Stream #\d+:\d+: Video: [^\n]*?, (\d{2,5})x(\d{2,5})/.exec(stderr);
		const seconds = first && last ? (last.at - first.at) / 1000 : 0;
		return {
			codec: consumer.rtpParameters.codecs[0]!.mimeType,
			width: Number(size?.[1] ?? 0),
			height: Number(size?.[2] ?? 0),
			frames: last?.frame ?? 0,
			fps: seconds > 0 ? (last!.frame - first!.frame) / seconds : 0
		};
	});
}
