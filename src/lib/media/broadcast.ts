import { Device } from 'mediasoup-client';
import type { Producer, Transport, TransportOptions } from 'mediasoup-client/types';
import type { MediaSource } from '../signaling/messages.js';
import { SignalingClient, SignalingFailure } from './signaling-client.js';
import { BitrateMeter, totalBytes } from './bitrate.js';
import { SIMULCAST_ENCODINGS } from './layers.js';
import { readPublishHealth, type PublishHealth } from './publish-health.js';
import { IceRoute } from './ice-route.js';

export type BroadcastStatus =
	| { phase: 'connecting' }
	| { phase: 'live'; startedAt: number | null }
	| { phase: 'reconnecting'; reason: string }
	| { phase: 'ended' }
	| { phase: 'failed'; code: string; message: string };

export type BroadcastEvents = {
	status(status: BroadcastStatus): void;
	bitrate(kbps: number): void;
	/** Once a second while live: what the browser sends and how the network treats it. */
	health?(health: PublishHealth): void;
};

export type BroadcastOptions = {
	role?: 'host' | 'guest';
	/** Resume a show that ended a moment ago (the host pressed Resume show). */
	resume?: boolean;
};

export type BroadcastTracks = Partial<Record<MediaSource, MediaStreamTrack>>;

const STATS_INTERVAL_MS = 1000;
/** Refusals that trying again cannot fix. */
const FINAL_CODES = new Set(['GIG_HAS_HOST', 'NOT_ON_STAGE', 'BANNED', 'TICKET_REQUIRED', 'GIG_CANCELLED', 'SHOW_ENDED']);

/**
 * One key per studio tab and gig, kept across reloads (sessionStorage is per tab): a reloaded
 * studio takes its own host seat back at once instead of waiting for the old connection to time out.
 */
function studioKey(gigId: string): string {
	const name = `gigstage:studio:${gigId}`;
	try {
		const kept = sessionStorage.getItem(name);
		if (kept && kept.length >= 16 && kept.length <= 64) return kept;
		const fresh = crypto.randomUUID();
		sessionStorage.setItem(name, fresh);
		return fresh;
	} catch {
		return crypto.randomUUID(); // storage blocked: this page load only
	}
}

/**
 * A publisher's side of a show: publishes the given tracks into the gig and keeps them published
 * through network blips and media-server restarts until `end()`. The host's broadcast starts and
 * ends the show; a guest's joins the host's show on stage and leaves it.
 */
export class Broadcast {
	private readonly signaling = new SignalingClient();
	private readonly sessionKey: string;
	private readonly tracks: BroadcastTracks;
	private readonly role: 'host' | 'guest';
	private readonly resume: boolean;
	private transport: Transport | null = null;
	private readonly route = new IceRoute();
	private stopWatching: (() => void) | null = null;
	private readonly producers = new Map<MediaSource, Producer>();
	private statsTimer: ReturnType<typeof setInterval> | undefined;
	private ended = false;
	private setupRun = 0;

	constructor(
		private readonly gigId: string,
		tracks: BroadcastTracks,
		private readonly events: BroadcastEvents,
		{ role = 'host', resume = false }: BroadcastOptions = {}
	) {
		this.role = role;
		this.resume = resume;
		this.sessionKey = role === 'host' ? studioKey(gigId) : crypto.randomUUID();
		this.tracks = { ...tracks };
		const { socket } = this.signaling;
		socket.on('connect', () => void this.setUp());
		socket.on('disconnect', (reason) => {
			if (this.ended) return;
			// The server closes a guest's connection when they leave the stage or the show ends.
			if (reason === 'io server disconnect' && this.role === 'guest') {
				this.stop();
				this.events.status({ phase: 'ended' });
				return;
			}
			// The host's own connection is closed when their session ends (a log-out in another tab).
			if (reason === 'io server disconnect') {
				this.stop();
				this.events.status({ phase: 'failed', code: 'DISCONNECTED', message: 'The server closed this connection: your session may have ended in another tab. Reload the page to go on.' });
				return;
			}
			this.events.status({ phase: 'reconnecting', reason: `connection lost (${reason})` });
		});
		socket.on('gig:restart', () => void this.setUp());
		socket.on('host:replaced', () => {
			this.stop();
			this.events.status({ phase: 'failed', code: 'GIG_HAS_HOST', message: 'This show continued in another tab.' });
		});
		this.events.status({ phase: 'connecting' });
	}

	/** Swaps the track of a source (a different camera, or a screen share added or stopped). */
	async setTrack(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
		if (track) this.tracks[source] = track;
		else delete this.tracks[source];
		if (!this.transport || this.transport.connectionState === 'closed') return;
		const producer = this.producers.get(source);
		if (producer && track) return producer.replaceTrack({ track });
		if (producer) {
			producer.close();
			this.producers.delete(source);
			await this.signaling.request('producer:close', { producerId: producer.id }).catch(() => {});
		} else if (track) {
			await this.produce(this.transport, source, track);
		}
	}

	/** For the host's health panel: how many viewers receive each quality layer now. */
	async viewerLayers(): Promise<{ layers: number[]; none: number } | null> {
		if (this.ended || this.role !== 'host' || !this.signaling.socket.connected) return null;
		return this.signaling.request('show:layers', {}).catch(() => null);
	}

	async end(): Promise<void> {
		if (this.ended) return;
		this.ended = true;
		if (this.role === 'host') await this.signaling.request('show:end', {}).catch(() => {});
		this.stop();
		this.events.status({ phase: 'ended' });
	}

	/** (Re)joins, publishes every track, and goes live (or on stage) once media actually flows. */
	private async setUp(): Promise<void> {
		if (this.ended) return;
		const run = ++this.setupRun;
		this.closeMedia();
		try {
			const joined = await this.signaling.request('join', { gigId: this.gigId, role: this.role, sessionKey: this.role === 'host' ? this.sessionKey : undefined });
			const device = await Device.factory();
			await device.load({ routerRtpCapabilities: joined.rtpCapabilities as never });
			const { iceServers, ...info } = await this.signaling.request('transport:create', { direction: 'send' });
			if (run !== this.setupRun) return;
			const transport = device.createSendTransport({ ...(info as object as TransportOptions), ...this.route.options(iceServers) });
			this.transport = transport;
			transport.on('connect', ({ dtlsParameters }, done, fail) => {
				this.signaling.request('transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail);
			});
			transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
				this.signaling
					.request('produce', { transportId: transport.id, kind, rtpParameters, source: appData.source as MediaSource })
					.then(({ producerId }) => done({ id: producerId }), fail);
			});
			// Direct first, then through the relay: a transport that fails (or is too slow to connect
			// directly) makes the next set-up go the other way.
			const connected = new Promise<void>((resolve, reject) => {
				transport.on('connectionstatechange', (state) => {
					if (state === 'connected') resolve();
					else if (state === 'closed') reject(new Error('media connection closed'));
				});
				this.stopWatching = this.route.watch(transport, iceServers, (reason) => reject(new Error(reason)));
			});
			connected.catch(() => {}); // awaited below, after publishing
			for (const [source, track] of Object.entries(this.tracks) as [MediaSource, MediaStreamTrack][]) {
				await this.produce(transport, source, track);
			}
			// Producers exist before ICE/DTLS complete: "live" means media reaches the server.
			await connected;
			transport.on('connectionstatechange', (state) => {
				if (state === 'failed' || state === 'disconnected') {
					this.events.status({ phase: 'reconnecting', reason: `media connection ${state}` });
					if (state === 'failed') void this.setUp();
				}
			});
			const startedAt = this.role === 'host' ? (await this.signaling.request('show:start', this.resume ? { resume: true } : {})).startedAt : null;
			if (run !== this.setupRun) return;
			this.events.status({ phase: 'live', startedAt });
			this.watchBitrate(transport);
		} catch (error) {
			if (run !== this.setupRun || this.ended) return;
			if (error instanceof SignalingFailure && FINAL_CODES.has(error.code)) {
				this.stop();
				this.events.status({ phase: 'failed', code: error.code, message: error.message });
				return;
			}
			const message = error instanceof Error ? error.message : String(error);
			this.events.status({ phase: 'reconnecting', reason: message });
			// A failed set-up on a live connection is retried; a dropped one retries on reconnect.
			if (this.signaling.socket.connected) setTimeout(() => run === this.setupRun && void this.setUp(), 2000);
		}
	}

	private async produce(transport: Transport, source: MediaSource, track: MediaStreamTrack): Promise<void> {
		const isVideo = track.kind === 'video';
		const producer = await transport.produce({
			track,
			encodings: isVideo ? SIMULCAST_ENCODINGS : undefined,
			codecOptions: isVideo ? { videoGoogleStartBitrate: 1000 } : { opusStereo: true, opusMaxAverageBitrate: 128_000, opusFec: true },
			stopTracks: false,
			appData: { source }
		});
		this.producers.set(source, producer);
	}

	private watchBitrate(transport: Transport): void {
		clearInterval(this.statsTimer);
		const meter = new BitrateMeter();
		this.statsTimer = setInterval(async () => {
			if (transport.closed) return clearInterval(this.statsTimer);
			const report = await transport.getStats();
			const kbps = meter.sample(totalBytes(report, 'outbound-rtp'), performance.now());
			if (kbps !== null) this.events.bitrate(kbps);
			this.events.health?.(readPublishHealth(report, kbps));
		}, STATS_INTERVAL_MS);
	}

	private closeMedia(): void {
		this.stopWatching?.();
		this.stopWatching = null;
		clearInterval(this.statsTimer);
		this.transport?.close();
		this.transport = null;
		this.producers.clear();
	}

	private stop(): void {
		this.ended = true;
		this.closeMedia();
		this.signaling.close();
	}
}
