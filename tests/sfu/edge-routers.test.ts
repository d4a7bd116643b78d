import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Router } from 'mediasoup/node/lib/Router';
import { Sfu } from '../../sfu/sfu.js';
import type { GigRoom } from '../../sfu/gig-room.js';
import { testLog } from '../support/log.js';
import { opusParameters, waitFor } from '../support/media.js';
import { flowStops, packetsArrive, rtpSink, startVp8Source, type RtpSource } from '../support/rtp.js';
import { decodeVideo } from '../ingest/decode.js';

const closed: { peerId: string; producerId: string }[] = [];
const lost: string[] = [];
let sfu: Sfu;
const sources: RtpSource[] = [];

// Two workers, each taking two consumers of a gig before viewers spill onto the other; fresh for
// each test, so one test's consumers do not weigh on the next one's placement.
beforeEach(async () => {
	sfu = await Sfu.start(
		{ workers: 2, listenIp: '127.0.0.1', basePort: 0, consumersPerWorker: 2 },
		{ consumerClosed: (peerId, _c, producerId) => closed.push({ peerId, producerId }), mediaLost: (_g, peers) => lost.push(...peers), tracksChanged: () => {} },
		testLog
	);
});
afterEach(async () => {
	for (const s of sources.splice(0)) await s.stop();
	await sfu.close();
});

/** A host publishing a real VP8 stream and a (silent) Opus track into the gig. */
async function hostOn(room: GigRoom) {
	const router = await room.publishRouter();
	const source = await startVp8Source(router);
	sources.push(source);
	room.addPeer('host', { id: 'u-host', name: 'Host', role: 'host' });
	room.adoptProducer('host', source.producer, router);
	const send = await room.createTransport('host', 'send');
	const audio = await room.produce('host', send.id, 'audio', opusParameters(), 'microphone');
	return { origin: router, video: source.producer, audio, source };
}

/** A viewer consuming both tracks; returns the router its transport was placed on. */
async function viewer(room: GigRoom, peerId: string, producerIds: string[]): Promise<{ router: Router; consumerIds: string[] }> {
	room.addPeer(peerId);
	const recv = await room.createTransport(peerId, 'recv');
	const consumerIds: string[] = [];
	for (const id of producerIds) consumerIds.push((await room.consume(peerId, recv.id, id, room.rtpCapabilities)).id);
	const router = room.routerList.find((r) => r.appData.slot === slotOf(room, peerId))!;
	return { router, consumerIds };
}

const slotOf = (room: GigRoom, peerId: string) => (room as unknown as { peers: Map<string, { transports: Map<string, { router: Router }> }> }).peers.get(peerId)!.transports.values().next().value!.router.appData.slot as number;

describe('edge routers within one node', () => {
	it('spills viewers onto the second worker once the first has its consumers, counting joins still in flight, and both decode frames', async () => {
		const room = sfu.room('edge-spill');
		const { origin, video, audio } = await hostOn(room);
		// Four viewers arriving at the same moment: two tracks each, two consumers per worker.
		for (const peer of ['v1', 'v2', 'v3', 'v4']) room.addPeer(peer);
		await Promise.all(['v1', 'v2', 'v3', 'v4'].map((peer) => room.createTransport(peer, 'recv')));
		const slots = ['v1', 'v2', 'v3', 'v4'].map((peer) => slotOf(room, peer));
		expect(slots[0], 'the first viewer joins the worker carrying the gig').toBe(origin.appData.slot);
		expect(slots[1], 'the second viewer, still joining, spills onto the other worker').not.toBe(origin.appData.slot);
		expect(new Set(slots).size).toBe(2);
		expect(room.routerList, 'at most one router per worker').toHaveLength(2);

		// The viewer on the edge consumes: its router is fed the host's tracks first.
		const edge = room.routerList.find((r) => r !== origin)!;
		const spilled = ['v1', 'v2', 'v3', 'v4'].find((peer) => slotOf(room, peer) === edge.appData.slot)!;
		const recv = [...(room as unknown as { peers: Map<string, { transports: Map<string, unknown> }> }).peers.get(spilled)!.transports.keys()][0]!;
		for (const id of [video.id, audio.id]) await room.consume(spilled, recv, id, room.rtpCapabilities);
		expect((await decodeVideo(edge, video.id, { frames: 10 })).frames, 'the edge router gets a decodable picture').toBeGreaterThanOrEqual(10);
		expect((await decodeVideo(origin, video.id, { frames: 10 })).frames).toBeGreaterThanOrEqual(10);
	}, 40_000);

	it('places a new gig on the least-loaded worker', async () => {
		const busy = sfu.room('busy');
		const { origin, audio } = await hostOn(busy);
		await viewer(busy, 'b1', [audio.id]);
		const next = sfu.room('next');
		next.addPeer('host');
		await next.createTransport('host', 'send');
		expect(next.routerList[0]!.appData.slot).not.toBe(origin.appData.slot);
	}, 20_000);

	it('builds one pipe per producer and router for a crowd joining at once', async () => {
		const room = sfu.room('edge-crowd');
		const { origin, video, audio } = await hostOn(room);
		const crowd = Array.from({ length: 12 }, (_, i) => `fan-${i}`);
		await Promise.all(crowd.map((peer) => viewer(room, peer, [video.id, audio.id])));
		const edges = room.routerList.filter((r) => r !== origin);
		expect(edges).toHaveLength(1);
		expect(room.pipeCount, 'video and audio piped once to the one edge router').toBe(2);
	}, 30_000);

	it('carries pause, resume and close of the host’s producer to viewers on every worker', async () => {
		const room = sfu.room('edge-follow');
		const { origin, video, audio } = await hostOn(room);
		const first = await viewer(room, 'w1', [video.id, audio.id]);
		const second = await viewer(room, 'w2', [video.id, audio.id]);
		expect(first.router).toBe(origin);
		expect(second.router).not.toBe(origin);
		const sinks = [await rtpSink(origin, video.id), await rtpSink(second.router, video.id)];
		for (const sink of sinks) await packetsArrive(sink, 'video reaches both workers');

		await video.pause();
		for (const sink of sinks) await flowStops(sink, 'nothing flows while paused');
		await video.resume();
		for (const sink of sinks) await packetsArrive(sink, 'video flows again on both workers after resume');

		room.closeProducer('host', audio.id);
		await waitFor('both viewers are told the audio ended', () => ['w1', 'w2'].every((p) => closed.some((c) => c.peerId === p && c.producerId === audio.id)));
		for (const sink of sinks) sink.close();
	}, 30_000);

	it('closes an edge router once its last viewer leaves, and every router when the room closes', async () => {
		const room = sfu.room('edge-idle');
		const { origin, video } = await hostOn(room);
		await viewer(room, 'x1', [video.id]);
		await viewer(room, 'x2', [video.id]);
		await viewer(room, 'x3', [video.id]);
		const edge = room.routerList.find((r) => r !== origin)!;
		for (const peer of ['x1', 'x2', 'x3']) room.closePeer(peer);
		await waitFor('the idle edge router is closed', () => edge.closed);
		expect(origin.closed, 'the router the host publishes into stays').toBe(false);
		expect(room.pipeCount).toBe(0);
		room.closePeer('host');
		sfu.releaseIfEmpty('edge-idle');
		expect(origin.closed).toBe(true);
	}, 30_000);
});
