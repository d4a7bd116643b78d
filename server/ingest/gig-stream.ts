import type { Logger } from 'pino';
import type { Sfu } from '../../sfu/sfu.js';
import type { Participant } from '../../sfu/gig-room.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { IngestStatuses, IngestStatus } from '../../src/lib/server/ingest/ingest-status.js';
import type { ShowControl } from '../signaling/show-lifecycle.js';
import { reencodeBecause } from '../../src/lib/ingest/ingest-words.js';
import { RtmpBridge } from '../../sfu/ingest/rtmp-bridge.js';
import { planVideo, type TranscodeMode, type VideoPlan } from '../../sfu/ingest/video-plan.js';
import { FlvFeed } from './flv-feed.js';
import type { ReencodeSlots } from './reencode-slots.js';
import { refusals } from './refusals.js';
import { StreamProbe } from './stream-probe.js';
import type { RtmpPublisher } from './rtmp-server.js';
import type { HeldShow } from './show-holds.js';

/** What happens to the show once the publisher has gone. */
export type Departure = 'hold' | 'end' | 'none';

export type GigStreamDeps = {
	sfu: Sfu;
	shows: Shows;
	control: ShowControl;
	statuses: IngestStatuses;
	slots: ReencodeSlots;
	ffmpegPath: string;
	transcode: TranscodeMode;
	/** The grace after a dropped connection, and after OBS's "Stop Streaming" (0: the show ends at once). */
	graceMs: { dropped: number; stopped: number };
	/** Whether the publisher's stream key still belongs to the gig (a rotated key cuts the encoder off). */
	keyStillValid(streamKey: string): Promise<boolean>;
	/** Called as the publisher leaves, before the cleanup: the ingest frees the gig and, for `hold`, starts the grace (kept in Redis). */
	left(stream: GigStream, departure: Departure): Promise<void>;
	/** Whether another publisher streams to the gig now (a resumed show): its status is not ours to clear. */
	streaming(gigId: string): boolean;
	log: Logger;
};

// How long a publish may take to show its first keyframe (or, without video, its audio).
const FIRST_MEDIA_MS = 10_000;
// Audio with no video header after this long is an audio-only stream.
const AUDIO_ONLY_AFTER_MS = 3000;
const RESTART_DELAYS_MS = [250, 1000, 2000, 5000];
const STATUS_EVERY_MS = 2000;

/** The gig room peer of an RTMP publisher. */
export const ingestPeerId = (sessionId: string) => `rtmp:${sessionId}`;
/** The host seat's session key for a gig's RTMP publishers: an encoder coming back takes its own seat over, as a reloaded studio tab does. */
export const ingestSeatKey = (gigId: string) => `rtmp-seat:${gigId}`;

/**
 * One OBS stream into one gig: waits for its first keyframe, runs a bridge (restarted if ffmpeg
 * dies while OBS is still connected), starts the show when media reaches the router, and when
 * OBS goes, holds the show for its grace or ends it.
 */
export class GigStream {
	readonly peerId: string;
	private readonly probe = new StreamProbe();
	private readonly feed = new FlvFeed();
	private bridge: RtmpBridge | null = null;
	private plan: VideoPlan | null = null;
	private restarts = 0;
	private startedShow = false;
	private shuttingDown = false;
	/** Cut off by the server (rotated key, no room to re-encode): no grace for it. */
	private cutOff = false;
	private departure: Departure = 'none';
	private state: IngestStatus['bridge'] = 'starting';
	private readonly connectedAt = Date.now();
	private lastBytes = { at: Date.now(), bytes: 0 };
	private bitrateKbps = 0;
	private running: Promise<void> | null = null;
	private replanning = false;
	/** A live show found B-frames but the machine had no room to re-encode: it stays passed through. */
	private keepPassthrough = false;
	private readonly gone: Promise<void>;
	/** Resolves once the ingest has been told the publisher left (its gig freed, its show held or ended). */
	private readonly departed: Promise<void>;

	constructor(
		readonly gigId: string,
		private readonly participant: Participant,
		private readonly publisher: RtmpPublisher,
		private readonly deps: GigStreamDeps,
		/** The held show this stream resumes, if it came back within a grace. */
		readonly resumes: HeldShow | null = null
	) {
		this.peerId = ingestPeerId(publisher.id);
		this.gone = new Promise((resolve) => publisher.onClose(resolve));
		this.departed = this.gone.then(async () => {
			this.departure = this.decideDeparture();
			const leaving = deps.left(this, this.departure);
			void this.bridge?.stop();
			// The hold is written before the seat is freed and before a superseding connection is admitted.
			await leaving;
		});
		publisher.onPacket((packet) => {
			this.probe.see(packet);
			this.feed.see(packet);
			// B-frames found after the start: re-plan (transcode) unless told never to.
			if (this.plan?.mode === 'passthrough' && this.probe.info.bFrames && deps.transcode === 'auto' && this.bridge && !this.replanning && !this.keepPassthrough) {
				this.replanning = true;
				void this.bridge.stop();
			}
		});
	}

	get streamKey(): string {
		return this.publisher.streamKey;
	}

	get stoppedCleanly(): boolean {
		return this.publisher.stoppedCleanly;
	}

	/** Starts serving the stream; resolves once the publisher has left and everything is cleaned up. Never rejects. */
	start(): Promise<void> {
		this.running ??= this.run();
		return this.running;
	}

	get done(): Promise<void> {
		return this.running ?? Promise.resolve();
	}

	get bridgePids(): number[] {
		return this.bridge?.pids ?? [];
	}

	/** How long the publisher has sent nothing. */
	get silentMs(): number {
		return Date.now() - this.publisher.lastDataAt;
	}

	/**
	 * The same encoder is back on a new connection while this one is silent (a network drop the
	 * server has not noticed yet): this one goes as a dropped connection would, and the new one
	 * resumes the show.
	 */
	async supersede(): Promise<void> {
		this.publisher.close();
		await this.departed;
	}

	/** The server is stopping: the show is interrupted, not ended, and OBS reconnects to the next start. */
	shutdown(): void {
		this.shuttingDown = true;
		this.publisher.close();
	}

	private decideDeparture(): Departure {
		// A stream that came back for a held show holds it again if it leaves before its picture arrives.
		const showIsOurs = this.startedShow || this.resumes !== null;
		if (!showIsOurs || this.shuttingDown) return 'none';
		if (this.cutOff) return 'end';
		const grace = this.publisher.stoppedCleanly ? this.deps.graceMs.stopped : this.deps.graceMs.dropped;
		return grace > 0 ? 'hold' : 'end';
	}

	private async run(): Promise<void> {
		const log = this.deps.log.child({ gigId: this.gigId, peerId: this.peerId });
		const reporter = setInterval(() => void this.report(), STATUS_EVERY_MS);
		try {
			await this.report();
			if (!(await this.firstMedia())) {
				log.warn('RTMP publish sent no usable media; dropped');
				this.publisher.close();
				return;
			}
			while (!this.publisher.closed) {
				if (!(await this.runBridge(log))) break;
				if (this.publisher.closed) break;
				await this.pauseBeforeRestart(log);
			}
		} catch (err) {
			log.error({ err, plan: this.plan, video: this.probe.info.video }, 'RTMP stream failed');
			this.publisher.close();
		} finally {
			clearInterval(reporter);
			await this.departed;
			await this.finish(log);
		}
	}

	/** One bridge run; false when the stream was refused instead. */
	private async runBridge(log: Logger): Promise<boolean> {
		const { info } = this.probe;
		this.plan = planVideo(info.video, info.bFrames, this.keepPassthrough ? 'never' : this.deps.transcode);
		if (this.plan.mode === 'transcode' && !this.deps.slots.take(this.gigId)) {
			const because = reencodeBecause(this.plan.reason, info.video && { codec: info.video.codec, profile: info.video.profileLevelId });
			if (!this.startedShow) {
				await this.refuse(refusals.reencodeBusy(because), log);
				return false;
			}
			// Mid-show (B-frames turned up late): a stuttering picture beats ending the show.
			log.warn({ reason: this.plan.reason }, 'no room to re-encode a live show; it stays passed through');
			this.keepPassthrough = true;
			this.plan = planVideo(info.video, info.bFrames, 'never');
		}
		const room = this.deps.sfu.room(this.gigId);
		room.addPeer(this.peerId, this.participant);
		const bridge = await RtmpBridge.start(
			room,
			this.peerId,
			{ ffmpegPath: this.deps.ffmpegPath, feed: this.feed, video: this.plan, audio: info.audio !== null },
			this.deps.log
		);
		this.bridge = bridge;
		this.replanning = false;
		if (this.publisher.closed) void bridge.stop(); // left while the bridge was starting
		this.state = this.plan.mode === 'passthrough' ? 'passthrough' : this.plan.mode === 'transcode' ? 'transcode' : 'no-video';
		if (this.plan.mode === 'transcode') log.info({ reason: this.plan.reason }, 'RTMP video is re-encoded to VP8');
		await this.report(); // the credentials page says what the bridge does before the show goes live, not on the next tick
		const arrived = await Promise.race([bridge.mediaArrived.then(() => true), bridge.ended.then(() => false)]);
		if (arrived && !this.publisher.closed) {
			this.restarts = 0;
			if (!this.startedShow) {
				this.startedShow = true;
				await this.deps.control.start(this.gigId);
			} else {
				await this.deps.control.changed(this.gigId);
			}
		}
		const exit = await bridge.ended;
		this.bridge = null;
		if (!this.publisher.closed) {
			log.warn({ code: exit.code, signal: exit.signal, ffmpeg: exit.stderr.slice(-5) }, 'RTMP bridge exited while the publisher is connected');
			this.state = 'restarting';
			await this.report();
			await this.deps.control.changed(this.gigId); // viewers drop the closed tracks until the next bridge
		}
		return true;
	}

	/** Cuts the encoder off with a reason it shows (ffmpeg) and the credentials page shows (everyone). */
	private async refuse(refusal: ReturnType<typeof refusals.reencodeBusy>, log: Logger): Promise<void> {
		log.warn({ code: refusal.code }, 'RTMP stream refused after it started');
		this.cutOff = true;
		this.publisher.refuse(refusal);
		await this.deps.statuses.refused(this.gigId, refusal).catch((err: unknown) => log.warn({ err }, 'could not record the refusal'));
	}

	private async pauseBeforeRestart(log: Logger): Promise<void> {
		const replanned = this.plan?.mode === 'passthrough' && this.probe.info.bFrames;
		const delay = replanned ? 0 : RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)]!;
		this.restarts++;
		log.info({ delayMs: delay, attempt: this.restarts }, 'restarting the RTMP bridge');
		await this.sleepUnlessClosed(delay);
	}

	/** Waits for a keyframe (or audio-only media): ffmpeg then starts with a picture at once. */
	private async firstMedia(): Promise<boolean> {
		const started = Date.now();
		while (!this.publisher.closed && Date.now() - started < FIRST_MEDIA_MS) {
			const { video, audio } = this.probe.info;
			if (this.probe.hasKeyframe || (audio && !video && Date.now() - started > AUDIO_ONLY_AFTER_MS)) return true;
			await this.sleepUnlessClosed(50);
		}
		return false;
	}

	/** Waits `ms`, or less if the publisher leaves meanwhile. */
	private sleepUnlessClosed(ms: number): Promise<void> {
		let timer: NodeJS.Timeout | undefined;
		const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
		return Promise.race([slept, this.gone]).finally(() => clearTimeout(timer));
	}

	private async finish(log: Logger): Promise<void> {
		const { sfu, shows, control, statuses } = this.deps;
		try {
			await this.bridge?.stop();
			sfu.existingRoom(this.gigId)?.closePeer(this.peerId);
			if (this.departure === 'hold') await control.hostLeft(this.gigId, this.peerId); // interrupted: viewers wait
			if (this.departure === 'end') await control.end(this.gigId);
			await control.changed(this.gigId); // the stream's tracks left this node
			await shows.hostLeft(this.gigId, this.peerId);
			sfu.releaseIfEmpty(this.gigId);
			if (!this.deps.streaming(this.gigId)) await statuses.clear(this.gigId);
			log.info({ departure: this.departure, stoppedCleanly: this.publisher.stoppedCleanly }, 'RTMP publisher gone');
		} catch (err) {
			log.error({ err }, 'cleanup after an RTMP stream failed');
		}
	}

	private async report(): Promise<void> {
		if (this.publisher.closed) return;
		if (!(await this.deps.keyStillValid(this.publisher.streamKey).catch(() => true))) {
			this.deps.log.warn({ gigId: this.gigId, peerId: this.peerId }, 'stream key rotated; encoder cut off');
			this.cutOff = true;
			this.publisher.close();
			return;
		}
		// Over at least a second: the first moments (handshake, the encoder's first burst) would read as a huge bitrate.
		const now = Date.now();
		const bytes = this.publisher.inBytes;
		if (now - this.lastBytes.at >= 1000) {
			this.bitrateKbps = Math.round(((bytes - this.lastBytes.bytes) * 8) / (now - this.lastBytes.at));
			this.lastBytes = { at: now, bytes };
		}
		const { video, audio, bFrames, keyframeIntervalMs, size, fps, encoderDelay } = this.probe.info;
		const plan = this.plan;
		await this.deps.statuses
			.set(this.gigId, {
				connectedAt: this.connectedAt,
				bitrateKbps: this.bitrateKbps,
				video: video && { codec: video.codec, profile: video.profileLevelId, width: size?.width ?? null, height: size?.height ?? null, fps },
				audio,
				bridge: this.state,
				videoReason: plan?.mode === 'transcode' || plan?.mode === 'none' ? plan.reason : null,
				bFrames,
				keyframeIntervalMs,
				encoderDelay
			})
			.catch((err: unknown) => this.deps.log.warn({ gigId: this.gigId, err }, 'could not record the ingest status'));
	}
}
