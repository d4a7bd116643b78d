import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sfu } from '../../sfu/sfu.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';
import { packetsArrive, rtpSink, startVp8Source, type RtpSource } from '../support/rtp.js';

const lost: { gigId: string; peers: string[] }[] = [];
const tracksChanged: string[] = [];
let sfu: Sfu;
let source: RtpSource | undefined;

beforeAll(async () => {
	sfu = await Sfu.start(
		{ workers: 2, listenIp: '127.0.0.1', basePort: 0, consumersPerWorker: 1 },
		{ consumerClosed: () => {}, mediaLost: (gigId, peers) => lost.push({ gigId, peers }), tracksChanged: (gigId) => tracksChanged.push(gigId) },
		testLog
	);
});
afterAll(async () => {
	await source?.stop();
	await sfu.close();
});

const lostPeers = (gigId: string) => lost.filter((l) => l.gigId === gigId).flatMap((l) => l.peers);

describe('worker death', () => {
	it('replaces a dead worker holding only an edge router: its viewers are told to rejoin and decode again, the others never stop', async () => {
		const room = sfu.room('edge-death');
		const origin = await room.publishRouter();
		source = await startVp8Source(origin);
		room.addPeer('host', { id: 'u', name: 'Host', role: 'host' });
		room.adoptProducer('host', source.producer, origin);
		const placed = new Map<string, number>();
		for (const peer of ['near', 'far']) {
			room.addPeer(peer);
			const recv = await room.createTransport(peer, 'recv');
			await room.consume(peer, recv.id, source.producer.id, room.rtpCapabilities);
			placed.set(peer, room.routerList.length);
		}
		const edge = room.routerList.find((r) => r !== origin)!;
		expect(edge, 'the second viewer spilled onto the other worker').toBeDefined();
		const originSink = await rtpSink(origin, source.producer.id);
		await packetsArrive(originSink, 'video flows on the origin worker');
		const edgeSlot = edge.appData.slot as number;
		const deadPid = sfu.workers.find((w) => w.slot === edgeSlot)!.worker.pid;
		const changesBefore = tracksChanged.length;

		process.kill(deadPid, 'SIGKILL');

		await waitFor('the edge viewer is told to rejoin', () => lostPeers('edge-death').includes('far'));
		expect(lostPeers('edge-death'), 'the viewer on the origin worker is left alone').not.toContain('near');
		await packetsArrive(originSink, 'video keeps flowing on the origin worker');
		expect(tracksChanged.slice(changesBefore), 'the host’s tracks did not change').not.toContain('edge-death');
		await waitFor('the worker is replaced', () => sfu.workers.some((w) => w.slot === edgeSlot && w.worker.pid !== deadPid && !w.worker.died));

		// The viewer rejoins (as its player does): a new transport, fed again, media flows.
		room.addPeer('far'); // joining again starts its media afresh
		const recv = await room.createTransport('far', 'recv');
		await room.consume('far', recv.id, source.producer.id, room.rtpCapabilities);
		const again = room.routerList.find((r) => r !== origin && !r.closed);
		const sink = await rtpSink(again ?? origin, source.producer.id);
		await packetsArrive(sink, 'the rejoined viewer’s router gets video again');
		sink.close();
		originSink.close();
	}, 40_000);

	it('tells the publisher to rejoin when the worker holding its tracks dies, and reports the tracks gone', async () => {
		const room = sfu.room('origin-death');
		room.addPeer('host', { id: 'u', name: 'Host', role: 'host' });
		const send = await room.createTransport('host', 'send');
		await room.produce('host', send.id, 'audio', { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] }, 'microphone');
		const slot = room.routerList[0]!.appData.slot as number;
		const pid = sfu.workers.find((w) => w.slot === slot)!.worker.pid;
		const changesBefore = tracksChanged.length;

		process.kill(pid, 'SIGKILL');

		await waitFor('the host is told to rejoin', () => lostPeers('origin-death').includes('host'));
		await waitFor('the tracks are reported changed', () => tracksChanged.slice(changesBefore).includes('origin-death'));
		expect(room.producers()).toEqual([]);
		await waitFor('the worker is replaced', () => sfu.workers.some((w) => w.slot === slot && w.worker.pid !== pid && !w.worker.died));
		room.addPeer('host', { id: 'u', name: 'Host', role: 'host' });
		const again = await room.createTransport('host', 'send');
		expect(again.id).toEqual(expect.any(String));
	}, 30_000);
});
