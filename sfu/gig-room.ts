import type { Router } from 'mediasoup/node/lib/Router';
import type { WebRtcServer } from 'mediasoup/node/lib/WebRtcServer';
import type { WebRtcTransport } from 'mediasoup/node/lib/WebRtcTransport';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Consumer } from 'mediasoup/node/lib/Consumer';
import type { DtlsParameters } from 'mediasoup/node/lib/WebRtcTransport';
import type { MediaKind, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { Logger } from 'pino';
import { MediaError, refusedByMediasoup } from './errors.js';
import { RoomPeer, type Participant, type PeerId, type TransportDirection, type TransportEntry } from './room-peer.js';

export { PEER_LIMITS, type Participant, type PeerId, type TransportDirection } from './room-peer.js';
export type MediaSource = 'camera' | 'microphone' | 'screen' | 'screen-audio';

export type TransportInfo = {
	id: string;
	iceParameters: WebRtcTransport['iceParameters'];
	iceCandidates: WebRtcTransport['iceCandidates'];
	dtlsParameters: WebRtcTransport['dtlsParameters'];
};

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

// Starting estimate for a new viewer's downlink: enough for the middle simulcast layer at once.
const INITIAL_OUTGOING_BITRATE = 1_500_000;
// A peer that left stays refused this long: far longer than any request can still be under way.
const REMEMBER_LEFT_MS = 10 * 60_000;

/**
 * Owns one gig's mediasoup Router and every peer's transports, producers and consumers in it.
 * A peer exists from `addPeer` until `closePeer`, and never again after: every other method
 * refuses an unknown or departed peer, and media whose creation finishes after its peer left
 * (or started afresh) is closed instead of kept.
 */
export class GigRoom {
	private readonly peers = new Map<PeerId, RoomPeer>();
	/** Peers that left, and when: a request still under way for one of them cannot bring it back. */
	private readonly departed = new Map<PeerId, number>();

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

	/**
	 * Admits a peer when its connection joins; labels it with the participant its tracks show (null
	 * for a viewer). Joining again on the same connection starts its media afresh. A peer that left
	 * cannot be added again.
	 */
	addPeer(peerId: PeerId, participant: Participant | null = null): void {
		this.open();
		if (this.departed.has(peerId)) throw new MediaError('NOT_JOINED', 'this connection has left the gig');
		const peer = this.peers.get(peerId);
		if (peer) {
			peer.closeMedia();
			peer.participant = participant;
			return;
		}
		this.peers.set(peerId, new RoomPeer(peerId, participant));
	}

	/** Closes a peer's transports and tracks; it stays in the gig (a host who ended the show). */
	closeMedia(peerId: PeerId): void {
		this.peers.get(peerId)?.closeMedia();
	}

	/** Closes everything a peer had, for good; its consumers' producers stay for everyone else. */
	closePeer(peerId: PeerId): void {
		const now = Date.now();
		for (const [id, at] of this.departed) {
			if (now - at < REMEMBER_LEFT_MS) break; // oldest first
			this.departed.delete(id);
		}
		this.departed.set(peerId, now);
		const peer = this.peers.get(peerId);
		if (!peer) return;
		this.peers.delete(peerId);
		peer.closeMedia();
		this.log.debug({ gigId: this.gigId, peerId }, 'peer left');
	}

	async createTransport(peerId: PeerId, direction: TransportDirection): Promise<TransportInfo> {
		const peer = this.peer(peerId);
		const { generation } = peer;
		const release = peer.reserve('transports');
		let transport: WebRtcTransport;
		try {
			transport = await this.router.createWebRtcTransport({
				webRtcServer: this.webRtcServer,
				enableUdp: true,
				enableTcp: true,
				preferUdp: true,
				initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
				appData: { peerId, direction }
			});
		} catch (error) {
			throw this.refused(error, null);
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, transport);
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
		const entry = this.transport(this.peer(peerId), transportId);
		if (entry.connectRequested) throw new MediaError('ALREADY_CONNECTED', 'this transport is already connected');
		entry.connectRequested = true;
		await entry.transport.connect({ dtlsParameters }).catch((error: unknown) => {
			throw this.refused(error, 'dtlsParameters');
		});
	}

	async produce(peerId: PeerId, transportId: string, kind: MediaKind, rtpParameters: RtpParameters, source: MediaSource): Promise<ProducerInfo> {
		const peer = this.peer(peerId);
		const { generation } = peer;
		const entry = this.transport(peer, transportId);
		if (entry.direction !== 'send') throw new MediaError('WRONG_DIRECTION', 'media can only be sent on a send transport');
		const release = peer.reserve('producers');
		let producer: Producer;
		try {
			producer = await entry.transport.produce({ kind, rtpParameters, appData: { source } });
		} catch (error) {
			throw this.refused(error, 'rtpParameters');
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, producer);
		return this.adoptProducer(peerId, producer);
	}

	/**
	 * Counts a producer as one of the peer's tracks. `produce` uses it for WebRTC; media that arrives
	 * another way (the RTMP bridge's PlainTransports on this room's router) joins the room through it.
	 * The producer's appData must name its `source`; the peer must have been added.
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
		const peer = this.peer(peerId);
		const { generation } = peer;
		const entry = this.transport(peer, transportId);
		if (entry.direction !== 'recv') throw new MediaError('WRONG_DIRECTION', 'media can only be received on a receive transport');
		if (!this.findProducer(producerId)) throw new MediaError('PRODUCER_NOT_FOUND', 'that producer is not in this gig');
		if (!this.canConsume(producerId, rtpCapabilities)) throw new MediaError('CANNOT_CONSUME', 'your browser cannot decode this stream');
		const release = peer.reserve('consumers');
		let consumer: Consumer;
		try {
			consumer = await entry.transport.consume({ producerId, rtpCapabilities, paused: true });
		} catch (error) {
			throw this.refused(error, 'rtpCapabilities');
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, consumer);
		peer.consumers.set(consumer.id, consumer);
		consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
		consumer.on('producerclose', () => this.listener.consumerClosed(peerId, consumer.id, producerId));
		return { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, type: consumer.type };
	}

	async resumeConsumer(peerId: PeerId, consumerId: string): Promise<void> {
		await this.consumer(peerId, consumerId)
			.resume()
			.catch((error: unknown) => {
				throw this.refused(error, null);
			});
	}

	async setPreferredLayers(peerId: PeerId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
		const consumer = this.consumer(peerId, consumerId);
		if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
		await consumer.setPreferredLayers({ spatialLayer, temporalLayer }).catch((error: unknown) => {
			throw this.refused(error, 'layers');
		});
	}

	/** Closes one of the peer's transports, producers or consumers, if it still has it. */
	discard(peerId: PeerId, objectId: string): void {
		const peer = this.peers.get(peerId);
		(peer?.transports.get(objectId)?.transport ?? peer?.producers.get(objectId) ?? peer?.consumers.get(objectId))?.close();
	}

	close(): void {
		this.peers.clear();
		this.departed.clear();
		this.router.close();
	}

	private open(): void {
		if (this.closed) throw new MediaError('MEDIA_UNAVAILABLE', 'the gig’s media restarted: join again');
	}

	private peer(peerId: PeerId): RoomPeer {
		this.open();
		const peer = this.peers.get(peerId);
		if (!peer) throw new MediaError('NOT_JOINED', 'this connection is not in the gig’s media: join it first');
		return peer;
	}

	/** After an await: keeps `created` only if its peer is still here with the same media, else closes it. */
	private keepOrClose(peer: RoomPeer, generation: number, created: { close(): void; closed: boolean }): void {
		if (!this.closed && !created.closed && this.peers.get(peer.id) === peer && peer.generation === generation) return;
		created.close();
		if (this.closed) throw new MediaError('MEDIA_UNAVAILABLE', 'the gig’s media restarted: join again');
		throw new MediaError('NOT_JOINED', 'this connection left the gig while its request was under way');
	}

	private canConsume(producerId: string, rtpCapabilities: RtpCapabilities): boolean {
		try {
			return this.router.canConsume({ producerId, rtpCapabilities });
		} catch (error) {
			throw this.refused(error, 'rtpCapabilities');
		}
	}

	private refused(error: unknown, what: string | null): unknown {
		return refusedByMediasoup(error, what, this.closed);
	}

	private transport(peer: RoomPeer, transportId: string): TransportEntry {
		const entry = peer.transports.get(transportId);
		if (!entry) throw new MediaError('TRANSPORT_NOT_FOUND', 'no such transport of yours in this gig');
		return entry;
	}

	private consumer(peerId: PeerId, consumerId: string): Consumer {
		const consumer = this.peer(peerId).consumers.get(consumerId);
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
