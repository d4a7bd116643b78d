import net from 'node:net';
import Rtmp from 'node-media-server/src/protocol/rtmp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestServer, type TestClient, type TestServer } from '../support/server.js';
import { fixtures } from '../support/fixtures.js';
import { waitFor } from '../support/media.js';
import { publishRtmp, type PublisherOptions, type RtmpPublisherProcess } from '../support/rtmp-publisher.js';
import { decodeVideo } from './decode.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';
import type { IngestStatus } from '../../src/lib/server/ingest/ingest-status.js';

let server: TestServer;
let make: ReturnType<typeof fixtures>;
const publishers: RtmpPublisherProcess[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
	server = await startTestServer();
	make = fixtures(server.redis);
});
afterEach(async () => {
	for (const c of clients.splice(0)) c.close();
	await Promise.all(publishers.splice(0).map((p) => p.stop()));
});
afterAll(() => server.close());

const streamKey = async (gig: Gig) => (await server.redis.hget(`gs:gig:${gig.id}`, 'streamKey'))!;
const gigStatus = async (gig: Gig) => server.redis.hget(`gs:gig:${gig.id}`, 'status');
const ingestStatus = async (gig: Gig) => JSON.parse((await server.redis.get(`gs:ingest:${gig.id}`)) ?? 'null') as IngestStatus | null;
const tracksOf = async (gig: Gig) => (await server.server.sfu.existingRoom(gig.id))?.producers() ?? [];

function publish(key: string, options?: PublisherOptions): RtmpPublisherProcess {
	const publisher = publishRtmp(`rtmp://127.0.0.1:${server.server.ingest.port}/live/${key}`, options);
	publishers.push(publisher);
	return publisher;
}

async function publishLive(gig: Gig, options?: PublisherOptions): Promise<RtmpPublisherProcess> {
	const publisher = publish(await streamKey(gig), options);
	await waitFor('the gig has a camera and a microphone from OBS', async () => (await tracksOf(gig)).length === 2, 15_000);
	await waitFor('the gig is live', async () => (await gigStatus(gig)) === 'live');
	return publisher;
}

/** ffmpeg as a publisher that the server refuses: it exits with the refusal in its output. */
async function refused(key: string, code: string): Promise<void> {
	const publisher = publish(key);
	const timeout = new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 10_000));
	expect(await Promise.race([publisher.exited, timeout]), 'the publisher was cut off').not.toBe('running');
	expect(publisher.output()).toContain(code);
}

async function video(gig: Gig) {
	const room = (await server.server.sfu.existingRoom(gig.id))!;
	const track = room.producers().find((p) => p.kind === 'video')!;
	return { room, track };
}

describe('OBS ingest into the gig’s router', () => {
	it('passes a Main-profile H.264 stream through as a camera a consumer decodes, with Opus sound, and the show goes live', async () => {
		const { gig } = await make.show();
		await publishLive(gig, { profile: 'main' });
		const tracks = await tracksOf(gig);
		expect(tracks.map((t) => [t.kind, t.source, t.participant?.role]).sort()).toEqual([
			['audio', 'microphone', 'host'],
			['video', 'camera', 'host']
		]);
		const { room, track } = await video(gig);
		const decoded = await decodeVideo(room.router, track.id);
		expect(decoded.codec).toBe('video/H264');
		expect(decoded.profileLevelId?.slice(0, 2)).toBe('4d');
		expect(decoded.frames, `ffmpeg decoded the consumed video:\n${decoded.output}`).toBeGreaterThanOrEqual(20);
		const audio = room.producers().find((p) => p.kind === 'audio')!;
		expect(room.router.canConsume({ producerId: audio.id, rtpCapabilities: room.rtpCapabilities })).toBe(true);
		await waitFor('the ingest status shows the stream', async () => (await ingestStatus(gig))?.bridge === 'passthrough');
		const status = (await ingestStatus(gig))!;
		expect(status).toMatchObject({ video: { codec: 'h264', width: 640, height: 360 }, audio: { codec: 'aac' }, bFrames: false });
		await waitFor('a bitrate is measured', async () => ((await ingestStatus(gig))?.bitrateKbps ?? 0) > 100, 6000);
	}, 60_000);

	it('passes a Baseline-profile stream through as Constrained Baseline', async () => {
		const { gig } = await make.show();
		await publishLive(gig, { profile: 'baseline' });
		const { room, track } = await video(gig);
		const decoded = await decodeVideo(room.router, track.id);
		expect(decoded.codec).toBe('video/H264');
		expect(decoded.profileLevelId?.slice(0, 2)).toBe('42');
		expect(decoded.frames, decoded.output).toBeGreaterThanOrEqual(20);
	}, 60_000);

	it('re-encodes a High-profile stream to VP8, which browsers take', async () => {
		const { gig } = await make.show();
		await publishLive(gig, { profile: 'high' });
		const { room, track } = await video(gig);
		const decoded = await decodeVideo(room.router, track.id);
		expect(decoded.codec).toBe('video/VP8');
		expect(decoded.frames, decoded.output).toBeGreaterThanOrEqual(20);
		await waitFor('the status says transcode', async () => (await ingestStatus(gig))?.bridge === 'transcode');
	}, 60_000);

	it('re-encodes a stream with B-frames to VP8 and tells the creator', async () => {
		const { gig } = await make.show();
		await publishLive(gig, { profile: 'main', bframes: 2 });
		const { room, track } = await video(gig);
		const decoded = await decodeVideo(room.router, track.id);
		expect(decoded.codec).toBe('video/VP8');
		expect(decoded.frames, decoded.output).toBeGreaterThanOrEqual(20);
		await waitFor('the status says B-frames and transcode', async () => {
			const status = await ingestStatus(gig);
			return status?.bFrames === true && status.bridge === 'transcode';
		});
	}, 60_000);
});

describe('who may publish', () => {
	it('refuses a key that belongs to no gig at the handshake', async () => {
		await refused('notAKeyOfAnyGigAtAll000', 'STREAM_KEY_UNKNOWN');
		await refused('short', 'STREAM_KEY_UNKNOWN');
	});

	it('refuses a rotated key and takes the new one', async () => {
		const { gig, creator } = await make.show();
		const old = await streamKey(gig);
		await make.gigs.rotateStreamKey(gig.id, creator.user);
		await refused(old, 'STREAM_KEY_UNKNOWN');
		expect(await gigStatus(gig)).toBe('scheduled');
		await publishLive(gig);
	}, 30_000);

	it('cuts off an encoder whose key is rotated while it streams, and ends the show', async () => {
		const { gig, creator } = await make.show();
		const publisher = await publishLive(gig);
		await make.gigs.rotateStreamKey(gig.id, creator.user);
		const timeout = new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 8000));
		expect(await Promise.race([publisher.exited, timeout]), 'the encoder was cut off').not.toBe('running');
		await waitFor('the show ended', async () => (await gigStatus(gig)) === 'ended', 5000);
	}, 30_000);

	it('refuses the key of a cancelled gig', async () => {
		const { gig, creator } = await make.show();
		await make.gigs.cancel(gig.id, creator.user);
		await refused(await streamKey(gig), 'GIG_CANCELLED');
	});

	it('refuses a second encoder on a gig that is already streaming, and keeps the first', async () => {
		const { gig } = await make.show();
		const first = await publishLive(gig);
		const before = (await tracksOf(gig)).map((t) => t.id).sort();
		await refused(await streamKey(gig), 'ALREADY_PUBLISHING');
		expect(first.child.exitCode).toBeNull();
		expect((await tracksOf(gig)).map((t) => t.id).sort()).toEqual(before);
		expect(await gigStatus(gig)).toBe('live');
	}, 30_000);

	it('refuses OBS while the gig is hosted from the browser studio', async () => {
		const { gig, creator } = await make.show();
		const studio = await connectClient(server.url, creator.cookie);
		clients.push(studio);
		expect(await studio.request('join', { gigId: gig.id, role: 'host' })).toHaveProperty('ok');
		await refused(await streamKey(gig), 'GIG_HAS_HOST');
		studio.close();
		// The seat is free once the studio has gone.
		await waitFor('the studio left', async () => !(await tracksOf(gig)).length);
		await new Promise((resolve) => setTimeout(resolve, 300));
		await publishLive(gig);
	}, 30_000);
});

describe('the show follows the encoder', () => {
	it('restarts a bridge that died while OBS is still streaming', async () => {
		const { gig } = await make.show();
		await publishLive(gig);
		const before = (await tracksOf(gig)).map((t) => t.id);
		const [pid] = server.server.ingest.bridgePids().get(gig.id)!;
		expect(pid).toBeGreaterThan(0);
		process.kill(pid!, 'SIGKILL');
		await waitFor(
			'a new bridge brings new tracks',
			async () => {
				const now = (await tracksOf(gig)).map((t) => t.id);
				return now.length === 2 && now.every((id) => !before.includes(id));
			},
			10_000
		);
		expect(server.server.ingest.bridgePids().get(gig.id)).not.toContain(pid);
		expect(await gigStatus(gig)).toBe('live');
		const { room, track } = await video(gig);
		expect((await decodeVideo(room.router, track.id, { frames: 10 })).frames).toBeGreaterThanOrEqual(10);
	}, 60_000);
});

describe('robustness', () => {
	it('drops a connection whose connect command is malformed, and keeps serving', async () => {
		// A real RTMP connect, made with node-media-server's own encoder, whose tcUrl is not a URL:
		// its parser throws inside a socket event, which would take the whole process down.
		const client = new Rtmp();
		const out: Buffer[] = [];
		client.onOutputCallback = (b: Buffer) => out.push(b);
		client.sendInvokeMessage(0, { cmd: 'connect', transId: 1, cmdObj: { app: 'live', tcUrl: 'not a url' } });
		const socket = net.connect(server.server.ingest.port!, '127.0.0.1');
		socket.on('error', () => {});
		const closed = new Promise<boolean>((resolve) => {
			socket.once('close', () => resolve(true));
			setTimeout(() => resolve(false), 5000);
		});
		let received = 0;
		socket.on('data', (chunk: Buffer) => {
			received += chunk.length;
			// S0 S1 S2 in: finish the handshake with C2, then the malformed connect.
			if (received >= 3073 && received - chunk.length < 3073) socket.write(Buffer.concat([Buffer.alloc(1536, 7), ...out]));
		});
		await new Promise((resolve) => socket.once('connect', resolve));
		socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 1)]));
		expect(await closed, 'the server dropped the connection').toBe(true);
		// Garbage from the first byte holds a connection only until the idle timeout; others still publish.
		const garbage = net.connect(server.server.ingest.port!, '127.0.0.1');
		garbage.on('error', () => {});
		garbage.write(Buffer.alloc(8000, 0xff));
		const { gig } = await make.show();
		await publishLive(gig);
		garbage.destroy();
	}, 30_000);

	it('refuses to play a stream to anyone but the bridge', async () => {
		const { gig } = await make.show();
		await publishLive(gig);
		const { spawn } = await import('node:child_process');
		const player = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-rw_timeout', '5000000', '-i', `rtmp://127.0.0.1:${server.server.ingest.port}/live/${await streamKey(gig)}`, '-t', '1', '-f', 'null', '-']);
		let output = '';
		player.stderr.on('data', (c: Buffer) => (output += c.toString()));
		const code = await new Promise((resolve) => player.once('exit', resolve));
		expect(code).not.toBe(0);
		expect(output).toContain('playing is not offered here');
	}, 30_000);
});
