import { Device } from 'mediasoup-client';
import type { Consumer, Transport, TransportOptions } from 'mediasoup-client/types';
import type { Participant, PublishedTrack, ShowSnapshot } from '../signaling/messages.js';
import { SignalingClient, SignalingFailure } from './signaling-client.js';
import { spatialLayerFor } from './layers.js';
import { IceRoute } from './ice-route.js';
import { connectionPath, type ConnectionPath } from './connection-path.js';

export type PlayerConnection = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export type ShowPlayerEvents = {
	show(snapshot: ShowSnapshot): void;
	connection(state: PlayerConnection, detail?: string): void;
	/** The media to render changed: one stream per video source, all audio in `audio`. */
	media(media: ShowMedia): void;
	/** Which way media comes in, once connected (null while there is no connection). */
	path?(path: ConnectionPath | null): void;
};

// The selected ICE pair can still change just after connecting: look again this much later.
const PATH_RECHECK_MS = 2000;

export type ShowVideo = { source: PublishedTrack['source']; participant: Participant; track: MediaStreamTrack };
/** The viewer's quality choice: fitted to the player by itself, or one simulcast layer (0 = lowest). */
export type QualityChoice = 'auto' | number;
export type ShowMedia = { videos: ShowVideo[]; audio: MediaStreamTrack[] };

/** Marks the viewer's first consume request; the latency benchmark times the first frame from it. */
export const MARK_CONSUME = 'gigstage:consume-request';

/**
 * A viewer's side of a show: follows the gig's state, consumes whatever the host publishes while
 * it is live, and rebuilds everything by itself after a network blip or a media-server restart.
 */
export class ShowPlayer {
	private readonly signaling = new SignalingClient();
	private device: Device | null = null;
	private transport: Transport | null = null;
	private readonly route = new IceRoute();
	private stopWatching: (() => void) | null = null;
	/** By producer: the consumer, the track it carries, and its kind on the server ('simulcast' or 'simple'). */
	private readonly consumers = new Map<string, { consumer: Consumer; track: PublishedTrack; type: string }>();
	private spatialLayer = 2;
	/** A layer the viewer chose in the quality menu; null follows the player's size. */
	private chosenLayer: number | null = null;
	/** The simulcast layer last asked for, per consumer. */
	private readonly requestedLayers = new Map<string, number>();
	/** The newest show snapshot; consumers are reconciled against it one pass at a time. */
	private latest: ShowSnapshot | null = null;
	private syncing: Promise<void> = Promise.resolve();
	private joinRun = 0;
	private closed = false;
	/** A participant whose tracks this player leaves alone: yourself, once you are on stage. */
	private excluded: string | null = null;

	constructor(
		private readonly gigId: string,
		private readonly events: ShowPlayerEvents
	) {
		const { socket } = this.signaling;
		socket.on('connect', () => void this.join());
		socket.on('disconnect', (reason) => {
			if (this.closed) return;
			// Closed by the server (a log-out in another tab, a cancelled gig): it will not come back by itself.
			if (reason !== 'io server disconnect') return this.events.connection('reconnecting', 'connection lost');
			this.joinRun++;
			this.closeMedia();
			this.events.connection('failed', 'the server closed this connection: your session may have ended, or the gig was cancelled. Reload the page to go on.');
		});
		socket.on('gig:restart', () => void this.join());
		socket.on('show', (snapshot) => {
			this.latest = snapshot;
			this.events.show(snapshot);
			this.sync();
		});
		socket.on('consumer:closed', ({ producerId }) => this.drop(producerId));
		this.events.connection('connecting');
	}

	/** Asks for the simulcast layer that fits the player; called whenever the player resizes. */
	fitTo(playerHeightCss: number): void {
		const layer = spatialLayerFor(playerHeightCss, globalThis.devicePixelRatio ?? 1);
		if (layer === this.spatialLayer) return;
		this.spatialLayer = layer;
		this.refitLayers();
	}

	/** The quality menu: a fixed simulcast layer for the main picture, or 'auto' (fitted to the player). */
	setQuality(choice: QualityChoice): void {
		this.chosenLayer = choice === 'auto' ? null : Math.max(0, Math.min(2, choice));
		this.refitLayers();
	}

	/** How many quality layers the main picture comes in (1 for a stream without simulcast, e.g. OBS passthrough). */
	layerCount(): number {
		const main = this.mainVideo();
		const mode = (main?.consumer.rtpParameters.encodings?.[0] as { scalabilityMode?: string } | undefined)?.scalabilityMode;
		const spatial = /^[LS](\d)/.exec(mode ?? '')?.[1];
		return main?.type === 'simulcast' && spatial ? Number(spatial) : 1;
	}

	/** The consumers' stats, for measuring delay and connection quality: the main picture first, then sound. */
	async receiverStats(): Promise<{ kind: 'audio' | 'video'; report: RTCStatsReport }[]> {
		const main = this.mainVideo();
		const audio = [...this.consumers.values()].find((c) => c.consumer.kind === 'audio');
		const picked = [main, audio].filter((c): c is NonNullable<typeof c> => c !== undefined && !c.consumer.closed);
		return Promise.all(picked.map(async ({ consumer }) => ({ kind: consumer.kind as 'audio' | 'video', report: await consumer.getStats() })));
	}

	/** A sample of the server's clock, for the delay measurement. */
	async serverClock(): Promise<{ now: number; sentAt: number; answeredAt: number } | null> {
		if (!this.signaling.socket.connected) return null;
		const sentAt = performance.now();
		try {
			const { now } = await this.signaling.request('clock', {});
			return { now, sentAt, answeredAt: performance.now() };
		} catch {
			return null;
		}
	}

	/** Stops receiving one participant's tracks (your own, on stage: no echo, no wasted downlink). */
	exclude(participantId: string | null): void {
		if (participantId === this.excluded) return;
		this.excluded = participantId;
		this.sync();
	}

	/** The loudest received sound right now (0-1, from the receivers' stats), or null without sound: the audio-only player's meter. */
	async audioLevel(): Promise<number | null> {
		let level: number | null = null;
		for (const { consumer } of this.consumers.values()) {
			if (consumer.kind !== 'audio' || consumer.closed) continue;
			const stats = await consumer.getStats().catch(() => null);
			stats?.forEach((s: { type: string; audioLevel?: number }) => {
				if (s.type === 'inbound-rtp' && typeof s.audioLevel === 'number') level = Math.max(level ?? 0, s.audioLevel);
			});
		}
		return level;
	}

	close(): void {
		this.closed = true;
		this.joinRun++;
		this.closeMedia();
		this.signaling.close();
	}

	private async join(): Promise<void> {
		const run = ++this.joinRun;
		this.closeMedia();
		this.syncing = Promise.resolve(); // passes of an earlier run stop by themselves
		try {
			const joined = await this.signaling.request('join', { gigId: this.gigId, role: 'viewer' });
			// The answer is newer than any event before it; events after it are newer still.
			this.latest = joined.show;
			this.events.show(joined.show);
			const device = await Device.factory();
			await device.load({ routerRtpCapabilities: joined.rtpCapabilities as never });
			if (run !== this.joinRun) return;
			this.device = device;
			this.events.connection('connected');
			this.sync();
		} catch (error) {
			if (run !== this.joinRun || this.closed) return;
			this.events.connection('reconnecting', error instanceof Error ? error.message : String(error));
			if (this.signaling.socket.connected) setTimeout(() => run === this.joinRun && void this.join(), 2000);
		}
	}

	/** Queues a reconcile pass; passes never overlap, so no track is consumed twice. */
	private sync(): void {
		this.syncing = this.syncing.then(() => this.reconcile());
	}

	/** Brings consumers in line with the latest snapshot: consume new tracks, drop vanished ones. */
	private async reconcile(): Promise<void> {
		const snapshot = this.latest;
		if (!this.device || !snapshot) return;
		const tracks = snapshot.tracks.filter((t) => t.participant.id !== this.excluded);
		const wanted = new Set(tracks.map((t) => t.producerId));
		for (const producerId of [...this.consumers.keys()]) if (!wanted.has(producerId)) this.drop(producerId);
		const run = this.joinRun;
		let added = false;
		try {
			for (const track of tracks) {
				if (this.consumers.has(track.producerId)) continue;
				await this.consume(track);
				if (run !== this.joinRun) return;
				added = true;
			}
		} catch (error) {
			if (run !== this.joinRun || this.closed) return;
			if (error instanceof SignalingFailure && error.code === 'PRODUCER_NOT_FOUND') return; // gone meanwhile
			this.events.connection('reconnecting', error instanceof Error ? error.message : String(error));
			setTimeout(() => run === this.joinRun && void this.join(), 1000);
		} finally {
			// One update with every new track: the page starts playback once, with sound if it has any.
			if (added && run === this.joinRun) {
				this.publishMedia();
				this.refitLayers();
			}
		}
	}

	private async consume(track: PublishedTrack): Promise<void> {
		const device = this.device!;
		const transport = this.transport ?? (await this.createTransport(device));
		if (!this.consumers.size) performance.mark(MARK_CONSUME);
		const info = await this.signaling.request('consume', {
			transportId: transport.id,
			producerId: track.producerId,
			rtpCapabilities: device.recvRtpCapabilities
		});
		const consumer = await transport.consume({
			id: info.id,
			producerId: info.producerId,
			kind: info.kind,
			rtpParameters: info.rtpParameters as never
		});
		this.consumers.set(track.producerId, { consumer, track, type: info.type });
		// mediasoup starts a consumer at its top layer: only ask for another before resuming.
		this.requestedLayers.set(consumer.id, 2);
		if (consumer.kind === 'video') await this.requestLayer(consumer, track.source);
		await this.signaling.request('consumer:resume', { consumerId: consumer.id });
	}

	private async createTransport(device: Device): Promise<Transport> {
		const { iceServers, ...info } = await this.signaling.request('transport:create', { direction: 'recv' });
		const transport = device.createRecvTransport({ ...(info as object as TransportOptions), ...this.route.options(iceServers) });
		transport.on('connect', ({ dtlsParameters }, done, fail) => {
			this.signaling.request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
		});
		transport.on('connectionstatechange', (state) => {
			if (transport === this.transport && state === 'connected') void this.reportPath(transport);
		});
		// A failed transport, or a direct one that does not connect in time, is rebuilt the other way.
		this.stopWatching = this.route.watch(transport, iceServers, (reason) => {
			if (transport !== this.transport) return;
			this.events.connection('reconnecting', reason);
			void this.join();
		});
		this.transport = transport;
		return transport;
	}

	private async reportPath(transport: Transport): Promise<void> {
		for (const wait of [0, PATH_RECHECK_MS]) {
			if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
			if (transport !== this.transport || transport.closed) return;
			const path = connectionPath(await transport.getStats().catch(() => new Map() as RTCStatsReport));
			if (path && transport === this.transport) this.events.path?.(path);
		}
	}

	/**
	 * While a screen is shared, cameras are corner tiles: their smallest layer is enough. With guests
	 * on stage, cameras share the player in a grid: one layer down.
	 */
	private layerFor(source: PublishedTrack['source']): number {
		const shown = [...this.consumers.values()].filter((c) => c.consumer.kind === 'video');
		if (source !== 'screen' && shown.some((c) => c.track.source === 'screen')) return 0;
		// The viewer's own choice holds for the big picture.
		if (this.chosenLayer !== null && (shown.length === 1 || source === 'screen')) return this.chosenLayer;
		return shown.length > 1 ? Math.max(0, this.spatialLayer - 1) : this.spatialLayer;
	}

	/** The big picture: a shared screen, else the host's camera, else any video. */
	private mainVideo() {
		const videos = [...this.consumers.values()].filter((c) => c.consumer.kind === 'video');
		return videos.find((c) => c.track.source === 'screen') ?? videos.find((c) => c.track.participant.role === 'host') ?? videos[0];
	}

	private refitLayers(): void {
		for (const { consumer, track } of this.consumers.values()) {
			if (consumer.kind === 'video') void this.requestLayer(consumer, track.source);
		}
	}

	private async requestLayer(consumer: Consumer, source: PublishedTrack['source']): Promise<void> {
		const spatialLayer = this.layerFor(source);
		if (this.requestedLayers.get(consumer.id) === spatialLayer) return;
		this.requestedLayers.set(consumer.id, spatialLayer);
		await this.signaling.request('consumer:layers', { consumerId: consumer.id, spatialLayer }).catch(() => {});
	}

	private drop(producerId: string): void {
		const entry = this.consumers.get(producerId);
		if (!entry) return;
		entry.consumer.close();
		this.consumers.delete(producerId);
		this.requestedLayers.delete(entry.consumer.id);
		this.publishMedia();
		this.refitLayers();
	}

	private publishMedia(): void {
		const media: ShowMedia = { videos: [], audio: [] };
		for (const { consumer, track } of this.consumers.values()) {
			if (consumer.kind === 'video') media.videos.push({ source: track.source, participant: track.participant, track: consumer.track });
			else media.audio.push(consumer.track);
		}
		this.events.media(media);
	}

	private closeMedia(): void {
		this.stopWatching?.();
		this.stopWatching = null;
		if (this.transport) this.events.path?.(null);
		this.transport?.close();
		this.transport = null;
		this.device = null;
		this.requestedLayers.clear();
		if (this.consumers.size) {
			this.consumers.clear();
			this.publishMedia();
		}
	}
}
