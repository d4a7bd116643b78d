import type { Router } from 'mediasoup/node/lib/Router';
import type { WebRtcServer } from 'mediasoup/node/lib/WebRtcServer';
import type { WebRtcTransport } from 'mediasoup/node/lib/WebRtcTransport';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Consumer } from 'mediasoup/node/lib/Consumer';
import type { DtlsParameters } from 'mediasoup/node/lib/WebRtcTransport';
import type { MediaKind, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { Logger } from 'pino';
import { MediaError } from './errors.js';

export type PeerId = string;
export type TransportDirection = 'send' | 'recv';
export type MediaSource = 'camera' | 'microphone' | 'screen' | 'screen-audio';

export type TransportInfo = {
	id: string;
	iceParameters: WebRtcTransport['iceParameters'];
	iceCandidates: WebRtcTransport['iceCandidates'];
	dtlsParameters: WebRtcTransport['dtlsParameters'];
};

/** Who is seen and heard through a peer's tracks: the host, or a guest the host brought on stage. */
export type Participant = { id: string; name: string; role: 'host' | 'guest' };

export type ProducerInfo = { id: string; kind: MediaKind; source: MediaSource; peerId: PeerId; participant: Participant | null };

export type ConsumerInfo = {
	id: string;
	producerId: string;
	kind: MediaKind;
	rtpParameters: RtpParameters;
	type: Consumer['type'];
};

/** Told about media changes a client did not ask for, so signaling can inform it. */
export type GigRoomListener = {
	consumerClosed(peerId: PeerId, consumerId: string, producerId: string): void;
};

type Peer = {
	participant: Participant | null;
	transports: Map<string, { transport: WebRtcTransport; direction: TransportDirection; connectRequested: boolean }>;
	producers: Map<string, Producer>;
	consumers: Map<string, Consumer>;
};

// Starting estimate for a new viewer's downlink: enough for the middle simulcast layer at once.
const INITIAL_OUTGOING_BITRATE = 1_500_000;
// Bounds on what one connection may hold, so no client can exhaust a worker.
const LIMITS = { transports: 4, producers: 4, consumers: 32 };

/** Owns one gig's mediasoup Router and every peer's transports, producers and consumers in it. */
export class GigRoom {
	private readonly peers = new Map<PeerId, Peer>();

	constructor(
		readonly gigId: string,
		readonly router: Router,
		private readonly webRtcServer: WebRtcServer,
		private readonly listener: GigRoomListener,
		private readonly log: Logger
	) {}

	get closed(): boolean {
		return this.router.closed;
	}

	get rtpCapabilities(): RtpCapabilities {
		return this.router.rtpCapabilities;
	}

	get peerCount(): number {
		return this.peers.size;
	}

	get consumerCount(): number {
		let count = 0;
		for (const peer of this.peers.values()) count += peer.consumers.size;
		return count;
	}

	producers(): ProducerInfo[] {
		const list: ProducerInfo[] = [];
		for (const [peerId, peer] of this.peers) {
			for (const p of peer.producers.values()) {
				list.push({ id: p.id, kind: p.kind, source: p.appData.source as MediaSource, peerId, participant: peer.participant });
			}
		}
		return list;
	}

	/**
	 * How many viewers receive each simulcast layer of a publisher's video now (index = spatial
	 * layer), and how many receive none yet (paused, or waiting for a keyframe).
	 */
	viewerLayers(publisherId: PeerId): { layers: number[]; none: number } {
		const videos = new Set([...(this.peers.get(publisherId)?.producers.values() ?? [])].filter((p) => p.kind === 'video').map((p) => p.id));
		const layers = [0, 0, 0];
		let none = 0;
		for (const [peerId, peer] of this.peers) {
			if (peerId === publisherId) continue;
			for (const consumer of peer.consumers.values()) {
				if (!videos.has(consumer.producerId)) continue;
				const spatial = consumer.type === 'simple' ? (consumer.paused ? undefined : 0) : consumer.currentLayers?.spatialLayer;
				if (spatial === undefined || consumer.paused || consumer.producerPaused) none++;
				else layers[Math.min(spatial, layers.length - 1)]!++;
			}
		}
		return { layers, none };
	}

	async createTransport(peerId: PeerId, direction: TransportDirection): Promise<TransportInfo> {
		const peer = this.peer(peerId);
		if (peer.transports.size >= LIMITS.transports) throw new MediaError('LIMIT_REACHED', `at most ${LIMITS.transports} transports per connection`);
		const transport = await this.router.createWebRtcTransport({
			webRtcServer: this.webRtcServer,
			enableUdp: true,
			enableTcp: true,
			preferUdp: true,
			initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
			appData: { peerId, direction }
		});
		peer.transports.set(transport.id, { transport, direction, connectRequested: false });
		transport.observer.on('close', () => peer.transports.delete(transport.id));
		this.log.debug({ gigId: this.gigId, peerId, transportId: transport.id, direction }, 'transport created');
		return {
			id: transport.id,
			iceParameters: transport.iceParameters,
			iceCandidates: transport.iceCandidates,
			dtlsParameters: transport.dtlsParameters
		};
	}

	async connectTransport(peerId: PeerId, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
		const entry = this.transport(peerId, transportId);
		if (entry.connectRequested) throw new MediaError('ALREADY_CONNECTED', 'this transport is already connected');
		entry.connectRequested = true;
		await entry.transport.connect({ dtlsParameters });
	}

	async produce(peerId: PeerId, transportId: string, kind: MediaKind, rtpParameters: RtpParameters, source: MediaSource): Promise<ProducerInfo> {
		const entry = this.transport(peerId, transportId);
		if (entry.direction !== 'send') throw new MediaError('WRONG_DIRECTION', 'media can only be sent on a send transport');
		if (this.peer(peerId).producers.size >= LIMITS.producers) throw new MediaError('LIMIT_REACHED', `at most ${LIMITS.producers} tracks per connection`);
		const producer = await entry.transport.produce({ kind, rtpParameters, appData: { source } });
		return this.adoptProducer(peerId, producer);
	}

	/**
	 * Counts a producer as one of the peer's tracks. `produce` uses it for WebRTC; media that arrives
	 * another way (the RTMP bridge's PlainTransports on this room's router) joins the room through it.
	 * The producer's appData must name its `source`.
	 */
	adoptProducer(peerId: PeerId, producer: Producer): ProducerInfo {
		const peer = this.peer(peerId);
		const source = producer.appData.source as MediaSource;
		peer.producers.set(producer.id, producer);
		producer.observer.on('close', () => peer.producers.delete(producer.id));
		this.log.info({ gigId: this.gigId, peerId, producerId: producer.id, kind: producer.kind, source }, 'producer created');
		return { id: producer.id, kind: producer.kind, source, peerId, participant: peer.participant };
	}

	closeProducer(peerId: PeerId, producerId: string): void {
		const producer = this.peer(peerId).producers.get(producerId);
		if (!producer) throw new MediaError('PRODUCER_NOT_FOUND', 'no such producer of yours in this gig');
		producer.close();
		this.log.info({ gigId: this.gigId, peerId, producerId }, 'producer closed');
	}

	/** Creates the consumer paused: the client resumes it once its side is ready, so no keyframe is wasted. */
	async consume(peerId: PeerId, transportId: string, producerId: string, rtpCapabilities: RtpCapabilities): Promise<ConsumerInfo> {
		const entry = this.transport(peerId, transportId);
		if (entry.direction !== 'recv') throw new MediaError('WRONG_DIRECTION', 'media can only be received on a receive transport');
		if (!this.findProducer(producerId)) throw new MediaError('PRODUCER_NOT_FOUND', 'that producer is not in this gig');
		if (!this.router.canConsume({ producerId, rtpCapabilities })) {
			throw new MediaError('CANNOT_CONSUME', 'your browser cannot decode this stream');
		}
		if (this.peer(peerId).consumers.size >= LIMITS.consumers) throw new MediaError('LIMIT_REACHED', `at most ${LIMITS.consumers} tracks per connection`);
		const consumer = await entry.transport.consume({ producerId, rtpCapabilities, paused: true });
		const peer = this.peer(peerId);
		peer.consumers.set(consumer.id, consumer);
		consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
		consumer.on('producerclose', () => this.listener.consumerClosed(peerId, consumer.id, producerId));
		return { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, type: consumer.type };
	}

	async resumeConsumer(peerId: PeerId, consumerId: string): Promise<void> {
		await this.consumer(peerId, consumerId).resume();
	}

	async setPreferredLayers(peerId: PeerId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
		const consumer = this.consumer(peerId, consumerId);
		if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
		await consumer.setPreferredLayers({ spatialLayer, temporalLayer });
	}

	/**
	 * Registers a peer so the room counts it as present before it has any transport. A peer that
	 * publishes is labelled with the participant its tracks show.
	 */
	addPeer(peerId: PeerId, participant: Participant | null = null): void {
		this.peer(peerId).participant = participant;
	}

	/** Closes everything a peer had; its consumers' producers stay for everyone else. */
	closePeer(peerId: PeerId): void {
		const peer = this.peers.get(peerId);
		if (!peer) return;
		this.peers.delete(peerId);
		for (const { transport } of peer.transports.values()) transport.close();
		// Adopted producers live on transports the room does not own.
		for (const producer of peer.producers.values()) producer.close();
		this.log.debug({ gigId: this.gigId, peerId }, 'peer left');
	}

	close(): void {
		this.peers.clear();
		this.router.close();
	}

	private peer(peerId: PeerId): Peer {
		let peer = this.peers.get(peerId);
		if (!peer) {
			peer = { participant: null, transports: new Map(), producers: new Map(), consumers: new Map() };
			this.peers.set(peerId, peer);
		}
		return peer;
	}

	private transport(peerId: PeerId, transportId: string) {
		const entry = this.peers.get(peerId)?.transports.get(transportId);
		if (!entry) throw new MediaError('TRANSPORT_NOT_FOUND', 'no such transport of yours in this gig');
		return entry;
	}

	private consumer(peerId: PeerId, consumerId: string): Consumer {
		const consumer = this.peers.get(peerId)?.consumers.get(consumerId);
		if (!consumer) throw new MediaError('CONSUMER_NOT_FOUND', 'no such consumer of yours in this gig');
		return consumer;
	}

	private findProducer(producerId: string): Producer | undefined {
		for (const peer of this.peers.values()) {
			const producer = peer.producers.get(producerId);
			if (producer) return producer;
		}
		return undefined;
	}
}
