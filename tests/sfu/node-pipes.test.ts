import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sfu, type SfuOptions } from '../../sfu/sfu.js';
import { LocalNodeHub } from '../../sfu/node-channel.js';
import type { GigRoom } from '../../sfu/gig-room.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';
import { flowStops, packetsArrive, rtpSink, startVp8Source, type RtpSource } from '../support/rtp.js';
import { decodeVideo } from '../ingest/decode.js';

/**
 * Two nodes' media planes in one process, each with its own workers, talking over a LocalNodeHub
 * (the same NodePipes protocol the Redis channel carries between processes).
 */
const hub = new LocalNodeHub();
// Which node publishes each producer: the Redis track list in production.
const published = new Map<string, string>();
const directory = { originOf: async (_gigId: string, producerId: string) => published.get(producerId) ?? null, trackCount: async () => 1 };
const closed: { peerId: string; producerId: string }[] = [];
const listener = { consumerClosed: (peerId: string, _c: string, producerId: string) => closed.push({ peerId, producerId }), mediaLost: () => {}, tracksChanged: () => {} };
const node = (name: string, options: Partial<SfuOptions> = {}) =>
	Sfu.start({ workers: 1, listenIp: '127.0.0.1', basePort: 0, channel: hub.channel(name), directory, ...options }, listener, testLog);

let origin: Sfu;
let remote: Sfu;
let secure: Sfu;
const sources: RtpSource[] = [];

beforeAll(async () => {
	origin = await node('origin', { pipe: { listenIp: '127.0.0.1', announcedAddress: 'localhost', srtp: false } });
	// Two workers: the remote node fans the imported track out to its own edge routers.
	remote = await node('remote', { workers: 2, consumersPerWorker: 1 });
	secure = await node('secure', { pipe: { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', srtp: true } });
});
afterAll(async () => {
	for (const s of sources) await s.stop();
	await Promise.all([origin, remote, secure].map((n) => n?.close()));
});

async function publish(gigId: string) {
	const room = origin.room(gigId);
	const router = await room.publishRouter();
	const source = await startVp8Source(router);
	sources.push(source);
	room.addPeer('host', { id: 'u', name: 'Host', role: 'host' });
	room.adoptProducer('host', source.producer, router);
	published.set(source.producer.id, 'origin');
	return { room, source, producerId: source.producer.id };
}

async function watch(room: GigRoom, peerId: string, producerId: string) {
	room.addPeer(peerId);
	const recv = await room.createTransport(peerId, 'recv');
	return room.consume(peerId, recv.id, producerId, room.rtpCapabilities);
}

describe('pipes between nodes', () => {
	it('brings a track published on one node to viewers on another, once, fanned out to the other node’s workers', async () => {
		const { producerId } = await publish('cross');
		const there = remote.room('cross');
		await Promise.all(['r1', 'r2', 'r3'].map((peer) => watch(there, peer, producerId)));
		expect(there.routerList, 'the remote node spread its viewers over both workers').toHaveLength(2);
		expect(remote.counts().nodePipes).toEqual({ in: 1, out: 0 });
		expect(origin.counts().nodePipes).toEqual({ in: 0, out: 1 });
		for (const router of there.routerList) {
			const decoded = await decodeVideo(router, producerId, { frames: 10 });
			expect(decoded.frames, `a router of the remote node decodes the piped track:\n${decoded.output}`).toBeGreaterThanOrEqual(10);
		}
		for (const peer of ['r1', 'r2', 'r3']) there.closePeer(peer);
		remote.releaseIfEmpty('cross');
		await waitFor('the pipe is closed at both ends once nobody watches there', () => origin.counts().nodePipes.out === 0 && remote.counts().nodePipes.in === 0);
	}, 60_000);

	it('mirrors pause and resume from the origin, and closes the remote viewers’ consumers when the producer ends', async () => {
		const { source, producerId } = await publish('mirror');
		const there = remote.room('mirror');
		await watch(there, 'm1', producerId);
		const sink = await rtpSink(there.routerList[0]!, producerId);
		await packetsArrive(sink, 'video reaches the remote node');
		await source.producer.pause();
		await flowStops(sink, 'nothing flows while the origin producer is paused');
		await source.producer.resume();
		await packetsArrive(sink, 'video flows again after resume');

		source.producer.close();
		await waitFor('the remote viewer is told the track ended', () => closed.some((c) => c.peerId === 'm1' && c.producerId === producerId));
		await waitFor('both ends of the pipe are gone', () => origin.counts().nodePipes.out === 0 && remote.counts().nodePipes.in === 0);
		sink.close();
	}, 40_000);

	it('closes the origin’s end when the remote node no longer has viewers of the gig', async () => {
		const { producerId } = await publish('leave');
		const there = remote.room('leave');
		await watch(there, 'l1', producerId);
		expect(origin.counts().nodePipes.out).toBe(1);
		there.closePeer('l1');
		remote.releaseIfEmpty('leave');
		await waitFor('the origin closed its end of the pipe', () => origin.counts().nodePipes.out === 0);
		expect(remote.counts().nodePipes.in).toBe(0);
	}, 20_000);

	it('carries a track over SRTP when the receiving node asks for it', async () => {
		const { producerId } = await publish('srtp');
		const there = secure.room('srtp');
		await watch(there, 's1', producerId);
		// Packets reach the importing node only if both ends agree on the keys (SRTP drops the rest).
		const sink = await rtpSink(there.routerList[0]!, producerId);
		try {
			await packetsArrive(sink, 'video arrives over the SRTP pipe');
		} finally {
			sink.close();
			there.closePeer('s1');
			secure.releaseIfEmpty('srtp');
		}
	}, 40_000);

	it('refuses a producer of another gig and one no node publishes', async () => {
		const { producerId } = await publish('mine');
		const there = remote.room('not-mine');
		// The directory is keyed by gig in production; here the origin itself checks the gig.
		await expect(watch(there, 'x1', producerId)).rejects.toMatchObject({ code: 'PRODUCER_NOT_FOUND' });
		await expect(watch(there, 'x2', 'no-such-producer')).rejects.toMatchObject({ code: 'PRODUCER_NOT_FOUND' });
	});

	it('closes the pipes of a node that disappears', async () => {
		const lonely = await node('lonely');
		const { producerId } = await publish('vanish');
		const before = origin.counts().nodePipes.out;
		await watch(lonely.room('vanish'), 'v1', producerId);
		expect(origin.counts().nodePipes.out).toBe(before + 1);
		await lonely.close();
		await hub.channel('lonely').close(); // gone from the hub, as a dead node's heartbeat lapses
		await waitFor('the origin closed the dead node’s pipe', () => origin.counts().nodePipes.out === before, 8000);
	}, 20_000);
});
