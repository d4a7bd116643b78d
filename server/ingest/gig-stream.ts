import type { Logger } from 'pino';
import type { Sfu } from '../../sfu/sfu.js';
import type { Participant } from '../../sfu/gig-room.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { IngestStatuses, IngestStatus } from '../../src/lib/server/ingest/ingest-status.js';
import type { ShowControl } from '../signaling/show-lifecycle.js';
import { RtmpBridge } from '../../sfu/ingest/rtmp-bridge.js';
import { planVideo, type TranscodeMode, type VideoPlan } from '../../sfu/ingest/video-plan.js';
import { StreamProbe } from './stream-probe.js';
import type { RtmpPublisher } from './rtmp-server.js';

export type GigStreamDeps = {
	sfu: Sfu;
	shows: Shows;
	control: ShowControl;
	statuses: IngestStatuses;
	ffmpegPath: string;
	transcode: TranscodeMode;
	/** The URL the bridge reads this publisher's stream from. */
	playUrl(streamKey: string): string;
	/** Whether the publisher's stream key still belongs to the gig (a rotated key cuts the encoder off). */
	keyStillValid(streamKey: string): Promise<boolean>;
	log: Logger;
};

// How long a publish may take to show its first keyframe (or, without video, its audio).
const FIRST_MEDIA_MS = 10_000;
// Audio with no video header after this long is an audio-only stream.
const AUDIO_ONLY_AFTER_MS = 3000;
const RESTART_DELAYS_MS = [250, 1000, 2000, 5000];
const STATUS_EVERY_MS = 2000;

/** The gig room peer (and host seat holder) of an RTMP publisher. */
export const ingestPeerId = (sessionId: string) => `rtmp:${sessionId}`;

/**
 * One OBS stream into one gig: waits for its first keyframe, runs a bridge (restarted if ffmpeg
 * dies while OBS is still connected), starts the show when media reaches the router and ends it
 * when OBS stops.
 */
export class GigStream {
	readonly peerId: string;
	private readonly probe = new StreamProbe();
	private bridge: RtmpBridge | null = null;
	private plan: VideoPlan | null = null;
	private restarts = 0;
	private startedShow = false;
	private shuttingDown = false;
	private state: IngestStatus['bridge'] = 'starting';
	private readonly connectedAt = Date.now();
	private lastBytes = { at: Date.now(), bytes: 0 };
	private bitrateKbps = 0;
	private running: Promise<void> | null = null;
	private replanning = false;
	private readonly gone: Promise<void>;

	constructor(
		readonly gigId: string,
		private readonly participant: Participant,
		private readonly publisher: RtmpPublisher,
		private readonly deps: GigStreamDeps
	) {
		this.peerId = ingestPeerId(publisher.id);
		this.gone = new Promise((resolve) => publisher.onClose(resolve));
		// node-media-server keeps players waiting for the next publisher: stop ours now.
		void this.gone.then(() => this.bridge?.stop());
		publisher.onPacket((packet) => {
			this.probe.see(packet);
			// B-frames found after the start: re-plan (transcode) unless told never to.
			if (this.plan?.mode === 'passthrough' && this.probe.info.bFrames && deps.transcode === 'auto' && this.bridge && !this.replanning) {
				this.replanning = true;
				void this.bridge.stop();
			}
		});
	}

	/** Starts serving the stream; resolves once the publisher has left and everything is cleaned up. Never rejects. */
	start(): Promise<void> {
		this.running ??= this.run();
		return this.running;
	}

	get done(): Promise<void> {
		return this.running ?? Promise.resolve();
	}

	get bridgePid(): number | undefined {
		return this.bridge?.pid;
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
				await this.runBridge(log);
				if (this.publisher.closed) break;
				await this.pauseBeforeRestart(log);
			}
		} catch (err) {
			log.error({ err }, 'RTMP stream failed');
			this.publisher.close();
		} finally {
			clearInterval(reporter);
			await this.finish(log);
		}
	}

	/** The server is stopping: the show is interrupted, not ended, and OBS reconnects to the next start. */
	shutdown(): void {
		this.shuttingDown = true;
		this.publisher.close();
	}

	private async runBridge(log: Logger): Promise<void> {
		this.plan = planVideo(this.probe.info.video, this.probe.info.bFrames, this.deps.transcode);
		const room = await this.deps.sfu.room(this.gigId);
		room.addPeer(this.peerId, this.participant);
		const bridge = await RtmpBridge.start(
			room,
			this.peerId,
			{ ffmpegPath: this.deps.ffmpegPath, url: this.deps.playUrl(this.publisher.streamKey), video: this.plan, audio: this.probe.info.audio !== null },
			this.deps.log
		);
		this.bridge = bridge;
		this.replanning = false;
		if (this.publisher.closed) void bridge.stop(); // left while the bridge was starting
		this.state = this.plan.mode === 'passthrough' ? 'passthrough' : this.plan.mode === 'transcode' ? 'transcode' : 'no-video';
		if (this.plan.mode === 'transcode') log.info({ reason: this.plan.reason }, 'RTMP video is re-encoded to VP8');
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
			await this.deps.control.changed(this.gigId); // viewers drop the closed tracks until the next bridge
		}
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
			if (this.startedShow && !this.shuttingDown) await control.end(this.gigId);
			await control.changed(this.gigId); // the stream's tracks left this node
			await shows.hostLeft(this.gigId, this.peerId);
			sfu.releaseIfEmpty(this.gigId);
			await statuses.clear(this.gigId);
			log.info({ ended: this.startedShow && !this.shuttingDown }, 'RTMP publisher gone');
		} catch (err) {
			log.error({ err }, 'cleanup after an RTMP stream failed');
		}
	}

	private async report(): Promise<void> {
		if (this.publisher.closed) return;
		if (!(await this.deps.keyStillValid(this.publisher.streamKey).catch(() => true))) {
			this.deps.log.warn({ gigId: this.gigId, peerId: this.peerId }, 'stream key rotated; encoder cut off');
			this.publisher.close();
			return;
		}
		const now = Date.now();
		const bytes = this.publisher.inBytes;
		if (now > this.lastBytes.at) this.bitrateKbps = Math.round(((bytes - this.lastBytes.bytes) * 8) / (now - this.lastBytes.at));
		this.lastBytes = { at: now, bytes };
		const { video, audio, bFrames, keyframeIntervalMs } = this.probe.info;
		const size = this.publisher.videoSize;
		await this.deps.statuses
			.set(this.gigId, {
				connectedAt: this.connectedAt,
				bitrateKbps: this.bitrateKbps,
				video: video && { codec: video.codec, profile: video.profileLevelId, width: size.width || null, height: size.height || null },
				audio,
				bridge: this.state,
				bFrames,
				keyframeIntervalMs
			})
			.catch((err: unknown) => this.deps.log.warn({ gigId: this.gigId, err }, 'could not record the ingest status'));
	}
}
