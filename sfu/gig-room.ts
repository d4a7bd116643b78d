import type { Router } from 'mediasoup/node/lib/Router';
import type { WebRtcTransport } from 'mediasoup/node/lib/WebRtcTransport';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport';
import type { Transport } from 'mediasoup/node/lib/Transport';
import type { SrtpParameters } from 'mediasoup/node/lib/SrtpParameters';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Consumer } from 'mediasoup/node/lib/Consumer';
import type { DtlsParameters } from 'mediasoup/node/lib/WebRtcTransport';
import type { MediaKind, RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { Logger } from 'pino';
import { MediaError, refusedByMediasoup } from './errors.js';
import { RoomPeer, type Participant, type PeerId, type TransportDirection, type TransportEntry } from './room-peer.js';
import { GigRouters } from './gig-routers.js';
import type { Placement } from './placement.js';
import type { WorkerPool } from './worker-pool.js';
import type { LocalProducer, NodePipes } from './node-pipes.js';
import { KEY_FRAME_REQUEST_DELAY_MS } from './keyframes.js';

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
	/** These peers' transports went with a dead worker: they must join again to get new ones. */
	mediaLost(gigId: string, peerIds: PeerId[]): void;
	/** The tracks this node publishes into the gig changed (a producer came or went, whatever the cause). */
	tracksChanged(gigId: string): void;
};

/** Where a gig's tracks are published, across nodes (kept in Redis by signaling). */
export type TrackDirectory = {
	/** The node publishing `producerId` in `gigId`, or null when no live node does. */
	originOf(gigId: string, producerId: string): Promise<string | null>;
	/** How many tracks the gig has now: about what a viewer placed now will consume. */
	trackCount(gigId: string): Promise<number>;
};

/** What a room needs from the node's media plane. */
export type GigRoomDeps = {
	pool: WorkerPool;
	placement: Placement;
	pipes: NodePipes;
	directory: TrackDirectory;
	rtpCapabilities: RtpCapabilities;
	listener: GigRoomListener;
	log: Logger;
};

// Starting estimate for a new viewer's downlink: enough for the middle simulcast layer at once.
const INITIAL_OUTGOING_BITRATE = 1_500_000;
// A peer that left stays refused this long: far longer than any request can still be under way.
const REMEMBER_LEFT_MS = 10 * 60_000;

/**
 * One gig's media on this node: its peers (host, guests, viewers) with their transports,
 * producers and consumers, over the gig's routers here (one per worker, see GigRouters).
 * Publishers' tracks live in the router their send transport is on; a viewer is placed on a
 * worker (see Placement) and each track it consumes is piped to its router first, from this
 * node's publisher or, for a track published on another node, through a pipe from there.
 *
 * A peer exists from `addPeer` until `closePeer`, and never again after: every other method
 * refuses an unknown or departed peer, and media whose creation finishes after its peer left (or
 * started afresh) is closed instead of kept.
 */
export class GigRoom {
	private readonly peers = new Map<PeerId, RoomPeer>();
	/** Peers that left, and when: a request still under way for one of them cannot bring it back. */
	private readonly departed = new Map<PeerId, number>();
	private readonly routers: GigRouters;
	/** Producers published on this node, with the router each lives in. */
	private readonly local = new Map<string, LocalProducer>();
	private readonly lost = new Set<PeerId>();
	private closing = false;

	constructor(
		readonly gigId: string,
		private readonly deps: GigRoomDeps
	) {
		this.routers = new GigRouters(gigId, deps.log);
	}

	get closed(): boolean {
		return this.closing;
	}

	get rtpCapabilities(): RtpCapabilities {
		return this.deps.rtpCapabilities;
	}

	get peerCount(): number {
		return this.peers.size;
	}

	/** Peers who only watch (publishers are labelled with their participant). */
	get viewerCount(): number {
		let count = 0;
		for (const peer of this.peers.values()) if (!peer.participant) count++;
		return count;
	}

	get consumerCount(): number {
		let count = 0;
		for (const peer of this.peers.values()) count += peer.consumers.size;
		return count;
	}

	/** The gig's routers on this node (for metrics and tests). */
	get routerList(): Router[] {
		return this.routers.routers;
	}

	/** Pipes between this node's routers of the gig. */
	get pipeCount(): number {
		return this.routers.pipeCount;
	}

	/** Tracks published on this node. */
	producers(): ProducerInfo[] {
		const list: ProducerInfo[] = [];
		for (const [peerId, peer] of this.peers) {
			for (const p of peer.producers.values()) {
				list.push({ id: p.id, kind: p.kind, source: p.appData.source as MediaSource, peerId, participant: peer.participant });
			}
		}
		return list;
	}

	/** A producer published on this node and the router it lives in. */
	localProducer(producerId: string): LocalProducer | undefined {
		return this.local.get(producerId);
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
		this.deps.log.debug({ gigId: this.gigId, peerId }, 'peer left');
	}

	async createTransport(peerId: PeerId, direction: TransportDirection): Promise<TransportInfo> {
		const peer = this.peer(peerId);
		const { generation } = peer;
		const release = peer.reserve('transports');
		let placed: Awaited<ReturnType<GigRoom['place']>> | undefined;
		let transport: WebRtcTransport;
		try {
			placed = await this.place(direction);
			transport = await placed.router.createWebRtcTransport({
				webRtcServer: placed.worker.webRtcServer,
				enableUdp: true,
				enableTcp: true,
				preferUdp: true,
				initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
				appData: { peerId, direction }
			});
		} catch (error) {
			placed?.reservation?.release();
			throw this.refused(error, null, placed?.router);
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, transport, () => placed.reservation?.release());
		this.track(peer, { transport, direction, connectRequested: false, router: placed.router, reservation: placed.reservation });
		this.deps.log.debug({ gigId: this.gigId, peerId, transportId: transport.id, direction, slot: placed.worker.slot }, 'transport created');
		return {
			id: transport.id,
			iceParameters: transport.iceParameters,
			iceCandidates: transport.iceCandidates,
			dtlsParameters: transport.dtlsParameters
		};
	}

	/**
	 * A receiver on the server's side (a recorder, the fan-out benchmark's viewers): a PlainTransport
	 * placed like a viewer's, sending RTP (SRTP with `srtp`) to `target`; `consume` works on it.
	 */
	async createPlainReceiver(peerId: PeerId, target: { ip: string; port: number }, srtp?: SrtpParameters): Promise<{ id: string }> {
		const peer = this.peer(peerId);
		const { generation } = peer;
		const release = peer.reserve('transports');
		let placed: Awaited<ReturnType<GigRoom['place']>> | undefined;
		let transport: PlainTransport | undefined;
		try {
			placed = await this.place('recv');
			transport = await placed.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false, enableSrtp: Boolean(srtp), appData: { peerId, direction: 'recv' } });
			await transport.connect({ ...target, srtpParameters: srtp });
		} catch (error) {
			transport?.close();
			placed?.reservation?.release();
			throw this.refused(error, null, placed?.router);
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, transport, () => placed.reservation?.release());
		this.track(peer, { transport, direction: 'recv', connectRequested: true, router: placed.router, reservation: placed.reservation });
		return { id: transport.id };
	}

	/**
	 * The router a publisher's media goes into (the RTMP bridge opens its PlainTransports there):
	 * placed like a send transport.
	 */
	async publishRouter(): Promise<Router> {
		return (await this.place('send')).router;
	}

	async connectTransport(peerId: PeerId, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
		const entry = this.transport(this.peer(peerId), transportId);
		if (entry.connectRequested) throw new MediaError('ALREADY_CONNECTED', 'this transport is already connected');
		entry.connectRequested = true;
		await (entry.transport as WebRtcTransport).connect({ dtlsParameters }).catch((error: unknown) => {
			throw this.refused(error, 'dtlsParameters', entry.router);
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
			producer = await entry.transport.produce({ kind, rtpParameters, keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS, appData: { source } });
		} catch (error) {
			throw this.refused(error, 'rtpParameters', entry.router);
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, producer);
		return this.adoptProducer(peerId, producer, entry.router);
	}

	/**
	 * Counts a producer as one of the peer's tracks. `produce` uses it for WebRTC; media that arrives
	 * another way (the RTMP bridge's PlainTransports in `publishRouter()`) joins the room through it.
	 * The producer's appData must name its `source`; the peer must have been added.
	 */
	adoptProducer(peerId: PeerId, producer: Producer, router: Router): ProducerInfo {
		const peer = this.peer(peerId);
		const source = producer.appData.source as MediaSource;
		peer.producers.set(producer.id, producer);
		this.local.set(producer.id, { producer, router });
		producer.observer.on('close', () => {
			peer.producers.delete(producer.id);
			this.local.delete(producer.id);
			if (!this.closing) this.deps.listener.tracksChanged(this.gigId);
		});
		this.deps.log.info({ gigId: this.gigId, peerId, producerId: producer.id, kind: producer.kind, source, slot: router.appData.slot }, 'producer created');
		this.deps.listener.tracksChanged(this.gigId);
		return { id: producer.id, kind: producer.kind, source, peerId, participant: peer.participant };
	}

	closeProducer(peerId: PeerId, producerId: string): void {
		const producer = this.peer(peerId).producers.get(producerId);
		if (!producer) throw new MediaError('PRODUCER_NOT_FOUND', 'no such producer of yours in this gig');
		producer.close();
		this.deps.log.info({ gigId: this.gigId, peerId, producerId }, 'producer closed');
	}

	/**
	 * Creates the consumer paused: the client resumes it once its side is ready, so no keyframe is
	 * wasted. The track reaches the viewer's router first (piped from where it lives).
	 */
	async consume(peerId: PeerId, transportId: string, producerId: string, rtpCapabilities: RtpCapabilities): Promise<ConsumerInfo> {
		const peer = this.peer(peerId);
		const { generation } = peer;
		const entry = this.transport(peer, transportId);
		if (entry.direction !== 'recv') throw new MediaError('WRONG_DIRECTION', 'media can only be received on a receive transport');
		const release = peer.reserve('consumers');
		let consumer: Consumer;
		try {
			const home = await this.find(producerId, entry.router);
			await this.routers.feed(home.producer, home.router, entry.router).catch(() => {
				throw new MediaError('PRODUCER_NOT_FOUND', 'that track ended');
			});
			if (!this.canConsume(entry.router, producerId, rtpCapabilities)) throw new MediaError('CANNOT_CONSUME', 'your browser cannot decode this stream');
			consumer = await entry.transport.consume({ producerId, rtpCapabilities, paused: true });
		} catch (error) {
			throw this.refused(error, 'rtpCapabilities', entry.router);
		} finally {
			release();
		}
		this.keepOrClose(peer, generation, consumer);
		entry.reservation?.taken();
		peer.consumers.set(consumer.id, consumer);
		consumer.observer.on('close', () => peer.consumers.delete(consumer.id));
		consumer.on('producerclose', () => this.deps.listener.consumerClosed(peerId, consumer.id, producerId));
		return { id: consumer.id, producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, type: consumer.type };
	}

	async resumeConsumer(peerId: PeerId, consumerId: string): Promise<void> {
		const consumer = this.consumer(peerId, consumerId);
		await consumer.resume().catch(async (error: unknown) => {
			throw await this.refusedConsumer(consumer, error, null);
		});
	}

	async setPreferredLayers(peerId: PeerId, consumerId: string, spatialLayer: number, temporalLayer?: number): Promise<void> {
		const consumer = this.consumer(peerId, consumerId);
		if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return;
		await consumer.setPreferredLayers({ spatialLayer, temporalLayer }).catch(async (error: unknown) => {
			throw await this.refusedConsumer(consumer, error, 'layers');
		});
	}

	/** Closes one of the peer's transports, producers or consumers, if it still has it. */
	discard(peerId: PeerId, objectId: string): void {
		const peer = this.peers.get(peerId);
		(peer?.transports.get(objectId)?.transport ?? peer?.producers.get(objectId) ?? peer?.consumers.get(objectId))?.close();
	}

	close(): void {
		this.closing = true;
		for (const peer of this.peers.values()) peer.closeMedia();
		this.peers.clear();
		this.departed.clear();
		this.routers.close();
	}

	/** A transport goes on the worker placement picks; a viewer's holds room for the tracks it will consume. */
	private async place(direction: TransportDirection) {
		const { pool, placement, directory } = this.deps;
		const expected = direction === 'recv' ? Math.max(1, await directory.trackCount(this.gigId).catch(() => 2)) : 0;
		const workers = await pool.running();
		this.open();
		const worker = placement.choose(workers, this.routers.slots);
		// Reserved before any await, so viewers placed at the same moment see each other.
		const reservation = direction === 'recv' ? placement.reserve(worker, expected) : null;
		try {
			return { router: await this.routers.on(worker), worker, reservation };
		} catch (error) {
			reservation?.release();
			throw new MediaError('MEDIA_UNAVAILABLE', `the media server is not ready: ${error instanceof Error ? error.message : error}`);
		}
	}

	/** Where a track lives on this node: published here, or imported from the node that publishes it. */
	private async find(producerId: string, viewerRouter: Router): Promise<LocalProducer> {
		const local = this.local.get(producerId);
		if (local) return local;
		const { directory, pipes } = this.deps;
		const origin = await directory.originOf(this.gigId, producerId);
		if (!origin || origin === pipes.nodeId) throw new MediaError('PRODUCER_NOT_FOUND', 'that producer is not in this gig');
		try {
			return await pipes.import(this.gigId, producerId, origin, viewerRouter);
		} catch (error) {
			this.deps.log.warn({ gigId: this.gigId, producerId, origin, err: String(error) }, 'could not import a track from another node');
			throw new MediaError('PRODUCER_NOT_FOUND', 'that track is not available now');
		}
	}

	private track(peer: RoomPeer, entry: TransportEntry): void {
		const { transport } = entry;
		peer.transports.set(transport.id, entry);
		(transport as Transport).observer.on('close', () => this.transportClosed(peer, entry));
	}

	private transportClosed(peer: RoomPeer, entry: TransportEntry): void {
		if (peer.transports.get(entry.transport.id) === entry) peer.transports.delete(entry.transport.id);
		entry.reservation?.release();
		if (this.closing) return;
		if (entry.router.closed) return this.mediaLost(peer.id);
		this.closeIfIdle(entry.router);
	}

	/** A router that no peer uses and no track lives in costs a worker for nothing. */
	private closeIfIdle(router: Router): void {
		for (const peer of this.peers.values()) for (const t of peer.transports.values()) if (t.router === router) return;
		for (const { router: home } of this.local.values()) if (home === router) return;
		if (this.deps.pipes.livesIn(router)) return;
		this.routers.closeRouter(router);
	}

	/** Collected over one tick: a dead worker closes many transports at once. */
	private mediaLost(peerId: PeerId): void {
		if (this.lost.size === 0) {
			setImmediate(() => {
				const peers = [...this.lost].filter((p) => this.peers.has(p));
				this.lost.clear();
				if (peers.length && !this.closing) this.deps.listener.mediaLost(this.gigId, peers);
			});
		}
		this.lost.add(peerId);
	}

	private open(): void {
		if (this.closing) throw new MediaError('MEDIA_UNAVAILABLE', 'the gig’s media restarted: join again');
	}

	private peer(peerId: PeerId): RoomPeer {
		this.open();
		const peer = this.peers.get(peerId);
		if (!peer) throw new MediaError('NOT_JOINED', 'this connection is not in the gig’s media: join it first');
		return peer;
	}

	/** After an await: keeps `created` only if its peer is still here with the same media, else closes it. */
	private keepOrClose(peer: RoomPeer, generation: number, created: { close(): void; closed: boolean }, undo?: () => void): void {
		if (!this.closing && !created.closed && this.peers.get(peer.id) === peer && peer.generation === generation) return;
		const lostWithWorker = created.closed;
		created.close();
		undo?.();
		if (this.closing || lostWithWorker) throw new MediaError('MEDIA_UNAVAILABLE', 'the gig’s media restarted: join again');
		throw new MediaError('NOT_JOINED', 'this connection left the gig while its request was under way');
	}

	private canConsume(router: Router, producerId: string, rtpCapabilities: RtpCapabilities): boolean {
		try {
			return router.canConsume({ producerId, rtpCapabilities });
		} catch (error) {
			throw this.refused(error, 'rtpCapabilities', router);
		}
	}

	private refused(error: unknown, what: string | null, router?: Router): unknown {
		return refusedByMediasoup(error, what, this.closing || Boolean(router?.closed));
	}

	/**
	 * The worker closed the consumer (its track ended) before this request reached it: the same
	 * answer as for a consumer already gone, not a server fault. The worker sent its close notice
	 * before this answer, but mediasoup hands notices over on the next turn (setImmediate) and
	 * answers at once: after one turn the consumer reads closed.
	 */
	private async refusedConsumer(consumer: Consumer, error: unknown, what: string | null): Promise<unknown> {
		await new Promise((resolve) => setImmediate(resolve));
		if (consumer.closed) return new MediaError('CONSUMER_NOT_FOUND', 'no such consumer of yours in this gig');
		return this.refused(error, what);
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
}
