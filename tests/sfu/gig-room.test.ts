import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sfu } from '../../sfu/sfu.js';
import { MediaError } from '../../sfu/errors.js';
import { testLog } from '../support/log.js';
import { opusParameters, vp8Parameters, waitFor } from '../support/media.js';

const closedConsumers: { peerId: string; consumerId: string; producerId: string }[] = [];
let sfu: Sfu;

beforeAll(async () => {
	sfu = await Sfu.start(
		{ workers: 2, listenIp: '127.0.0.1', basePort: 0 },
		{ consumerClosed: (peerId, consumerId, producerId) => closedConsumers.push({ peerId, consumerId, producerId }), mediaLost: () => {}, tracksChanged: () => {} },
		testLog
	);
});
afterAll(() => sfu.close());

describe('GigRoom', () => {
	it('gives each gig its own routers and returns the same room for the same gig', async () => {
		const a = sfu.room('room-a');
		const b = sfu.room('room-b');
		await a.createTransport('host', 'send');
		await b.createTransport('host', 'send');
		expect(a.routerList[0]!.id).not.toBe(b.routerList[0]!.id);
		expect(sfu.room('room-a')).toBe(a);
	});

	it('puts concurrent transports of one gig in one router while its worker has room', async () => {
		const room = sfu.room('room-race');
		await Promise.all(['p1', 'p2', 'p3'].map((peer) => room.createTransport(peer, 'recv')));
		expect(room.routerList).toHaveLength(1);
	});

	it('lets a viewer consume the host’s producer, paused until resumed', async () => {
		const room = await sfu.room('room-consume');
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
		const send = await one.createTransport('host', 'send');
		const producer = await one.produce('host', send.id, 'video', vp8Parameters(4444), 'camera');
		const recv = await two.createTransport('viewer', 'recv');
		await expect(two.consume('viewer', recv.id, producer.id, two.rtpCapabilities)).rejects.toMatchObject({ code: 'PRODUCER_NOT_FOUND' });
	});

	it('refuses to use another peer’s transport or the wrong direction', async () => {
		const room = await sfu.room('room-owner');
		const send = await room.createTransport('host', 'send');
		await expect(room.produce('intruder', send.id, 'video', vp8Parameters(), 'camera')).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
		const recv = await room.createTransport('viewer', 'recv');
		await expect(room.produce('viewer', recv.id, 'video', vp8Parameters(), 'camera')).rejects.toBeInstanceOf(MediaError);
		await expect(room.produce('viewer', recv.id, 'video', vp8Parameters(), 'camera')).rejects.toMatchObject({ code: 'WRONG_DIRECTION' });
	});

	it('refuses a consumer whose capabilities cannot decode the stream', async () => {
		const room = await sfu.room('room-caps');
		const send = await room.createTransport('host', 'send');
		const producer = await room.produce('host', send.id, 'video', vp8Parameters(5555), 'camera');
		const recv = await room.createTransport('viewer', 'recv');
		const audioOnly = { codecs: room.rtpCapabilities.codecs!.filter((c) => c.kind === 'audio'), headerExtensions: [] };
		await expect(room.consume('viewer', recv.id, producer.id, audioOnly)).rejects.toMatchObject({ code: 'CANNOT_CONSUME' });
	});

	it('bounds how many transports one connection may open', async () => {
		const room = await sfu.room('room-limits');
		for (let i = 0; i < 4; i++) await room.createTransport('greedy', 'recv');
		await expect(room.createTransport('greedy', 'recv')).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
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
