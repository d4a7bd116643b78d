import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sfu } from '../../sfu/sfu.js';
import { MediaError } from '../../sfu/errors.js';
import type { GigRoom } from '../../sfu/gig-room.js';
import { testLog } from '../support/log.js';
import { opusParameters, vp8Parameters, waitFor } from '../support/media.js';

const closedConsumers: { peerId: string; consumerId: string; producerId: string }[] = [];
let sfu: Sfu;

beforeAll(async () => {
	sfu = await Sfu.start(
		{ workers: 2, listenIp: '127.0.0.1', basePort: 0 },
		{ consumerClosed: (peerId, consumerId, producerId) => closedConsumers.push({ peerId, consumerId, producerId }), gigRestarted: () => {} },
		testLog
	);
});
afterAll(() => sfu.close());

const join = (room: GigRoom, ...peerIds: string[]) => peerIds.forEach((id) => room.addPeer(id));

describe('GigRoom', () => {
	it('gives each gig its own router and returns the same room for the same gig', async () => {
		const a = await sfu.room('room-a');
		const b = await sfu.room('room-b');
		expect(a.router.id).not.toBe(b.router.id);
		expect(await sfu.room('room-a')).toBe(a);
	});

	it('creates concurrent requests for one gig as a single room', async () => {
		const [x, y] = await Promise.all([sfu.room('room-race'), sfu.room('room-race')]);
		expect(x).toBe(y);
	});

	it('places new gigs on the least-loaded worker', async () => {
		const busy = await sfu.room('room-busy');
		join(busy, 'p1', 'p2');
		await busy.createTransport('p1', 'recv');
		await busy.createTransport('p2', 'recv');
		const next = await sfu.room('room-next');
		expect(next.router.appData.slot).not.toBe(busy.router.appData.slot);
	});

	it('lets a viewer consume the host’s producer, paused until resumed', async () => {
		const room = await sfu.room('room-consume');
		join(room, 'host', 'viewer');
		const send = await room.createTransport('host', 'send');
		const producer = await room.produce('host', send.id, 'video', vp8Parameters(), 'camera');
		const recv = await room.createTransport('viewer', 'recv');
		const consumer = await room.consume('viewer', recv.id, producer.id, room.rtpCapabilities);
		expect(consumer.producerId).toBe(producer.id);
		expect(consumer.kind).toBe('video');
		expect(room.producers()).toEqual([{ id: producer.id, kind: 'video', source: 'camera', peerId: 'host', participant: null }]);
		await room.resumeConsumer('viewer', consumer.id);
	});

	it('tells consumers when the producer they watch closes', async () => {
		const room = await sfu.room('room-close');
		join(room, 'host', 'viewer');
		const send = await room.createTransport('host', 'send');
		const audio = await room.produce('host', send.id, 'audio', opusParameters(), 'microphone');
		const recv = await room.createTransport('viewer', 'recv');
		const consumer = await room.consume('viewer', recv.id, audio.id, room.rtpCapabilities);
		room.closeProducer('host', audio.id);
		await waitFor('the consumer is reported closed', () => closedConsumers.some((c) => c.consumerId === consumer.id));
		expect(closedConsumers.find((c) => c.consumerId === consumer.id)).toEqual({ peerId: 'viewer', consumerId: consumer.id, producerId: audio.id });
		expect(room.producers()).toEqual([]);
	});

	it('closes a departing host’s producers for every viewer', async () => {
		const room = await sfu.room('room-leave');
		join(room, 'host', 'viewer');
		const send = await room.createTransport('host', 'send');
		const video = await room.produce('host', send.id, 'video', vp8Parameters(3333), 'camera');
		const recv = await room.createTransport('viewer', 'recv');
		const consumer = await room.consume('viewer', recv.id, video.id, room.rtpCapabilities);
		room.closePeer('host');
		await waitFor('the consumer is reported closed', () => closedConsumers.some((c) => c.consumerId === consumer.id));
		expect(room.producers()).toEqual([]);
	});

	it('keeps gigs isolated: a producer of one gig cannot be consumed from another', async () => {
		const one = await sfu.room('iso-one');
		const two = await sfu.room('iso-two');
		join(one, 'host');
		join(two, 'viewer');
		const send = await one.createTransport('host', 'send');
		const producer = await one.produce('host', send.id, 'video', vp8Parameters(4444), 'camera');
		const recv = await two.createTransport('viewer', 'recv');
		await expect(two.consume('viewer', recv.id, producer.id, two.rtpCapabilities)).rejects.toMatchObject({ code: 'PRODUCER_NOT_FOUND' });
	});

	it('refuses to use another peer’s transport or the wrong direction', async () => {
		const room = await sfu.room('room-owner');
		join(room, 'host', 'viewer', 'intruder');
		const send = await room.createTransport('host', 'send');
		await expect(room.produce('intruder', send.id, 'video', vp8Parameters(), 'camera')).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
		const recv = await room.createTransport('viewer', 'recv');
		await expect(room.produce('viewer', recv.id, 'video', vp8Parameters(), 'camera')).rejects.toBeInstanceOf(MediaError);
		await expect(room.produce('viewer', recv.id, 'video', vp8Parameters(), 'camera')).rejects.toMatchObject({ code: 'WRONG_DIRECTION' });
	});

	it('refuses a consumer whose capabilities cannot decode the stream', async () => {
		const room = await sfu.room('room-caps');
		join(room, 'host', 'viewer');
		const send = await room.createTransport('host', 'send');
		const producer = await room.produce('host', send.id, 'video', vp8Parameters(5555), 'camera');
		const recv = await room.createTransport('viewer', 'recv');
		const audioOnly = { codecs: room.rtpCapabilities.codecs!.filter((c) => c.kind === 'audio'), headerExtensions: [] };
		await expect(room.consume('viewer', recv.id, producer.id, audioOnly)).rejects.toMatchObject({ code: 'CANNOT_CONSUME' });
	});

	it('bounds how many transports one connection may open', async () => {
		const room = await sfu.room('room-limits');
		join(room, 'greedy');
		for (let i = 0; i < 4; i++) await room.createTransport('greedy', 'recv');
		await expect(room.createTransport('greedy', 'recv')).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
	});

	it('refuses every request of a peer that never joined, and never brings back one that left', async () => {
		const room = await sfu.room('room-ghosts');
		await expect(room.createTransport('stranger', 'recv')).rejects.toMatchObject({ code: 'NOT_JOINED' });
		room.addPeer('leaver');
		const kept = await room.createTransport('leaver', 'recv');
		room.closePeer('leaver');
		expect(room.peerCount).toBe(0);
		await expect(room.createTransport('leaver', 'recv')).rejects.toMatchObject({ code: 'NOT_JOINED' });
		await expect(room.consume('leaver', kept.id, 'x', room.rtpCapabilities)).rejects.toMatchObject({ code: 'NOT_JOINED' });
		expect(() => room.addPeer('leaver')).toThrow(expect.objectContaining({ code: 'NOT_JOINED' }));
		expect(room.peerCount).toBe(0);
		expect((await room.router.dump()).transportIds).toEqual([]);
	});

	it('closes transports whose peer left or started afresh while they were being created', async () => {
		const room = await sfu.room('room-in-flight');
		room.addPeer('leaver');
		const leaving = Promise.allSettled([room.createTransport('leaver', 'recv'), room.createTransport('leaver', 'recv')]);
		room.closePeer('leaver');
		room.addPeer('rejoiner');
		const restarting = Promise.allSettled([room.createTransport('rejoiner', 'recv')]);
		room.addPeer('rejoiner'); // joins again: its earlier media is void
		const settled = [...(await leaving), ...(await restarting)];
		expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
		expect(settled.map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(['NOT_JOINED', 'NOT_JOINED', 'NOT_JOINED']);
		expect((await room.router.dump()).transportIds).toEqual([]);
	});

	it('holds the per-connection limits against concurrent requests', async () => {
		const room = await sfu.room('room-burst');
		room.addPeer('greedy');
		const transports = await Promise.allSettled(Array.from({ length: 20 }, () => room.createTransport('greedy', 'send')));
		expect(transports.filter((t) => t.status === 'fulfilled')).toHaveLength(4);
		const send = (transports.find((t) => t.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>).value;
		const producers = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => room.produce('greedy', send.id, 'video', vp8Parameters(7000 + i), 'camera')));
		expect(producers.filter((p) => p.status === 'fulfilled')).toHaveLength(4);
		expect(producers.filter((p) => p.status === 'rejected').map((p) => (p as PromiseRejectedResult).reason.code)).toEqual(Array(6).fill('LIMIT_REACHED'));
	});

	it('refuses parameters mediasoup cannot use with BAD_REQUEST, not an internal error', async () => {
		const room = await sfu.room('room-junk');
		room.addPeer('host');
		const send = await room.createTransport('host', 'send');
		const h265 = { codecs: [{ mimeType: 'video/H265', payloadType: 100, clockRate: 90000 }], encodings: [{ ssrc: 1 }] };
		await expect(room.produce('host', send.id, 'video', h265, 'camera')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await room.produce('host', send.id, 'video', vp8Parameters(8888), 'camera');
		await expect(room.produce('host', send.id, 'video', vp8Parameters(8888), 'screen')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
		await expect(room.connectTransport('host', send.id, { fingerprints: [{ algorithm: 'sha-1024', value: 'AA' }] } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});

	it('releases an empty room and keeps one that still has peers', async () => {
		const room = await sfu.room('room-release');
		room.addPeer('viewer');
		await sfu.releaseIfEmpty('room-release');
		expect(room.closed).toBe(false);
		room.closePeer('viewer');
		await sfu.releaseIfEmpty('room-release');
		expect(room.closed).toBe(true);
		expect(await sfu.existingRoom('room-release')).toBeUndefined();
	});
});
