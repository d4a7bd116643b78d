import { randomInt } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { GigRoom, PeerId } from '../gig-room.js';
import { PAYLOAD, trackArgs, type BridgeInput, type RtpTarget } from './ffmpeg-args.js';
import { FfmpegProcess, type FfmpegExit } from './ffmpeg-process.js';

/** A sink the feed writes to: `readDts` says how far its reader has taken the stream. */
export type FeedAttachment = { detach(): void; readDts(): number };

/** A publisher's stream, written as FLV to what the bridge's ffmpeg reads. */
export type MediaFeed = {
	/** Starts writing `tracks` to `sink`; `follow` holds them until that attachment has read as far. */
	attach(sink: Writable, tracks: { audio: boolean; video: boolean }, options: { skipped?(lagMs: number): void; stuck?(): void; follow?: FeedAttachment }): FeedAttachment;
};

export type BridgeOptions = BridgeInput & { ffmpegPath: string; feed: MediaFeed };

type Track = { kind: 'video' | 'audio'; transport: PlainTransport; producer: Producer; target: RtpTarget };

/**
 * One run of a bridge carrying an RTMP stream into a gig's router: per track a PlainTransport, a
 * Producer adopted by the room as the publishing peer's camera or microphone (so viewers get them
 * exactly like a browser's), and an ffmpeg reading the stream from a pipe. Ends when any ffmpeg
 * exits (or it is stopped); the others stop and the producers close with it.
 */
export class RtmpBridge {
	/** Resolves when the first video (or, without video, audio) RTP packet reached the router. */
	readonly mediaArrived: Promise<void>;
	/** Resolves when every ffmpeg is gone and the producers are closed, with the first exit. */
	readonly ended: Promise<FfmpegExit>;

	private constructor(
		private readonly ffmpegs: FfmpegProcess[],
		private readonly tracks: Track[],
		readonly options: BridgeOptions
	) {
		const stopAll = () => Promise.all(ffmpegs.map((f) => f.stop()));
		// A transport closed under us (its router went with a dead worker): ffmpeg would write into the void.
		for (const { transport } of tracks) transport.observer.once('close', () => void stopAll());
		const first = tracks[0]!.transport;
		this.mediaArrived = new Promise((resolve) => first.once('tuple', () => resolve()));
		this.ended = Promise.race(ffmpegs.map((f) => f.exited)).then(async (exit) => {
			await stopAll();
			for (const { transport } of tracks) transport.close();
			return exit;
		});
	}

	static async start(room: GigRoom, peerId: PeerId, options: BridgeOptions, log: Logger): Promise<RtmpBridge> {
		const tracks: Track[] = [];
		try {
			if (options.video.mode !== 'none') tracks.push(await openTrack(room, peerId, 'video', videoParameters(options.video)));
			if (options.audio) tracks.push(await openTrack(room, peerId, 'audio', opusParameters()));
		} catch (error) {
			for (const { transport } of tracks) transport.close();
			throw error;
		}
		if (tracks.length === 0) throw new Error('a bridge needs video or audio');
		// Video first: with a re-encode, the sound follows the picture's reading (see FlvFeed).
		let picture: FeedAttachment | undefined;
		const ffmpegs = tracks.map(({ kind, target }) => {
			const ffmpeg = new FfmpegProcess(options.ffmpegPath, trackArgs(kind, options, target));
			const context = { gigId: room.gigId, peerId, pid: ffmpeg.pid, kind };
			const attached = options.feed.attach(ffmpeg.stdin, { audio: kind === 'audio', video: kind === 'video' }, {
				skipped: (lagMs) => log.warn({ ...context, lagMs }, 'RTMP bridge fell behind; video skips to the next keyframe'),
				stuck: () => {
					log.warn(context, 'RTMP bridge stopped reading; restarting it');
					void ffmpeg.stop();
				},
				follow: kind === 'audio' && options.video.mode === 'transcode' ? picture : undefined
			});
			if (kind === 'video') picture = attached;
			void ffmpeg.exited.then(() => attached.detach());
			return ffmpeg;
		});
		log.info({ gigId: room.gigId, peerId, pids: ffmpegs.map((f) => f.pid), video: options.video.mode, audio: options.audio }, 'RTMP bridge started');
		return new RtmpBridge(ffmpegs, tracks, options);
	}

	/** The bridge's ffmpeg processes (for CPU readings). */
	get pids(): number[] {
		return this.ffmpegs.flatMap((f) => (f.pid ? [f.pid] : []));
	}

	get producerIds(): string[] {
		return this.tracks.map((t) => t.producer.id);
	}

	get running(): boolean {
		return this.ffmpegs.every((f) => f.running);
	}

	async stop(): Promise<void> {
		await Promise.all(this.ffmpegs.map((f) => f.stop()));
		await this.ended;
	}
}

async function openTrack(room: GigRoom, peerId: PeerId, kind: Track['kind'], rtpParameters: RtpParameters): Promise<Track> {
	const transport = await room.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
	try {
		const producer = await transport.produce({ kind, rtpParameters, appData: { source: kind === 'video' ? 'camera' : 'microphone' } });
		room.adoptProducer(peerId, producer);
		return { kind, transport, producer, target: { port: transport.tuple.localPort, ssrc: rtpParameters.encodings![0]!.ssrc! } };
	} catch (error) {
		transport.close();
		throw error;
	}
}

// ffmpeg's RTP muxer takes the SSRC as a signed 32-bit option.
const newSsrc = () => randomInt(1, 0x7fffffff);

function videoParameters(plan: BridgeInput['video']): RtpParameters {
	const codec =
		plan.mode === 'passthrough'
			? {
					mimeType: 'video/H264',
					payloadType: PAYLOAD.h264,
					clockRate: 90000,
					parameters: { 'packetization-mode': 1, 'profile-level-id': declaredProfileLevelId(plan.profileLevelId), 'level-asymmetry-allowed': 1 }
				}
			: { mimeType: 'video/VP8', payloadType: PAYLOAD.vp8, clockRate: 90000 };
	return { codecs: [codec], encodings: [{ ssrc: newSsrc() }] };
}

// Level 5.2 (0x34): the highest mediasoup 3.12's profile-level-id parser knows.
const HIGHEST_KNOWN_LEVEL = 0x34;

/**
 * The profile-level-id the producer declares: the stream's own, with a level above 5.2 (6.0-6.2,
 * which x264 picks for high rates and sizes) declared as 5.2. mediasoup refuses a level it cannot
 * parse, and the level is only signalling here: decoders go by the stream's SPS.
 */
export function declaredProfileLevelId(profileLevelId: string): string {
	const level = parseInt(profileLevelId.slice(4, 6), 16);
	return level > HIGHEST_KNOWN_LEVEL ? profileLevelId.slice(0, 4) + HIGHEST_KNOWN_LEVEL.toString(16) : profileLevelId;
}

function opusParameters(): RtpParameters {
	return { codecs: [{ mimeType: 'audio/opus', payloadType: PAYLOAD.opus, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: newSsrc() }] };
}
