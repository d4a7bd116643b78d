import type AVPacket from 'node-media-server/src/core/avpacket.js';
import { decodeAmf0Data } from 'node-media-server/src/protocol/amf.js';
import type { IncomingVideo } from '../../sfu/ingest/video-plan.js';
import { x264Delay, x264OptionsOf, type EncoderDelay } from './encoder-delay.js';

const AUDIO = 8;
const VIDEO = 9;
const FLV_CODEC_H264 = 7;
const FLV_CODEC_AAC = 10;
const FLAG = { videoHeader: 2, keyframe: 3, frame: 4, metadata: 5 } as const;
// node-media-server gives "enhanced RTMP" video its FourCC as the codec id.
const FOURCC: Record<number, NonNullable<IncomingVideo>['codec']> = {
	[Buffer.from('hvc1').readUInt32BE()]: 'hevc',
	[Buffer.from('av01').readUInt32BE()]: 'av1',
	[Buffer.from('vp09').readUInt32BE()]: 'vp9'
};
// x264 writes its options into the first keyframe; past this many frames there will be none.
const SEI_SEARCH_FRAMES = 5;
const FPS_WINDOW = 60;

/** What an RTMP stream carries, as far as the bridge and the creator need to know. */
export type StreamInfo = {
	video: IncomingVideo;
	audio: { codec: 'aac' | 'other' } | null;
	/** Frames out of display order (pts ≠ dts): RTP timestamps would run backwards. */
	bFrames: boolean;
	/** Time between the last two keyframes: a viewer who joins waits up to this long for a picture. */
	keyframeIntervalMs: number | null;
	/** As the encoder announced it (onMetaData), or null. */
	size: { width: number; height: number } | null;
	/** Frames per second: measured from the frames' timestamps, else as announced. */
	fps: number | null;
	/** Frames the encoder holds back before sending (x264's options), or null when it does not say. */
	encoderDelay: EncoderDelay | null;
};

/** Reads a publisher's FLV media messages and keeps a StreamInfo up to date. */
export class StreamProbe {
	readonly info: StreamInfo = { video: null, audio: null, bFrames: false, keyframeIntervalMs: null, size: null, fps: null, encoderDelay: null };
	private lastKeyframeDts: number | null = null;
	private keyframes = 0;
	private frames = 0;
	private nalLengthSize = 4;
	private announcedFps: number | null = null;
	private readonly recentDts: number[] = [];

	/** Whether a video keyframe has arrived: from then on the bridge can start with a picture. */
	get hasKeyframe(): boolean {
		return this.keyframes > 0;
	}

	see(packet: AVPacket): void {
		if (packet.codec_type === AUDIO && !this.info.audio) {
			this.info.audio = { codec: packet.codec_id === FLV_CODEC_AAC ? 'aac' : 'other' };
		}
		if (packet.flags === FLAG.metadata) return this.readMetadata(packet.data.subarray(0, packet.size));
		if (packet.codec_type !== VIDEO) return;
		if (packet.flags === FLAG.videoHeader) return this.readVideoHeader(packet);
		if (packet.flags !== FLAG.keyframe && packet.flags !== FLAG.frame) return;
		if (packet.pts !== packet.dts) this.info.bFrames = true;
		this.frames++;
		this.measureFps(packet.dts);
		if (this.info.video?.codec === 'h264' && !this.info.encoderDelay && this.frames <= SEI_SEARCH_FRAMES) {
			const options = x264OptionsOf(packet.data.subarray(0, packet.size), this.nalLengthSize);
			if (options) this.info.encoderDelay = x264Delay(options);
		}
		if (packet.flags === FLAG.keyframe) {
			if (this.lastKeyframeDts !== null) this.info.keyframeIntervalMs = packet.dts - this.lastKeyframeDts;
			this.lastKeyframeDts = packet.dts;
			this.keyframes++;
		}
	}

	private readVideoHeader(packet: AVPacket): void {
		const fourCC = FOURCC[packet.codec_id];
		if (fourCC) {
			this.info.video = { codec: fourCC, profileLevelId: null };
			return;
		}
		const h264 = packet.codec_id === FLV_CODEC_H264;
		const tag = packet.data.subarray(0, packet.size);
		this.info.video = { codec: h264 ? 'h264' : 'other', profileLevelId: h264 ? profileLevelIdOf(tag) : null };
		// lengthSizeMinusOne, in the low bits of the record's fifth byte.
		if (h264 && tag.length > 9) this.nalLengthSize = ((tag[9] ?? 3) & 3) + 1;
	}

	private readMetadata(data: Buffer): void {
		let meta: { dataObj?: Record<string, unknown> | null };
		try {
			meta = decodeAmf0Data(data) as typeof meta;
		} catch {
			return; // an encoder's malformed metadata only costs it the size on the credentials page
		}
		const obj = meta.dataObj;
		if (!obj || typeof obj !== 'object') return;
		const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
		const [width, height] = [num(obj.width), num(obj.height)];
		if (width && height) this.info.size = { width: Math.round(width), height: Math.round(height) };
		this.announcedFps = num(obj.framerate);
		this.info.fps ??= this.announcedFps;
	}

	private measureFps(dts: number): void {
		this.recentDts.push(dts);
		if (this.recentDts.length > FPS_WINDOW) this.recentDts.shift();
		const span = this.recentDts.at(-1)! - this.recentDts[0]!;
		if (this.recentDts.length >= 10 && span > 0) this.info.fps = Math.round(((this.recentDts.length - 1) * 1000 * 10) / span) / 10;
		else this.info.fps = this.announcedFps;
	}
}

/**
 * The SDP profile-level-id (e.g. "64001f") from an FLV AVC sequence header: 5 bytes of FLV video
 * tag header, then the AVCDecoderConfigurationRecord (version, profile, constraints, level).
 */
export function profileLevelIdOf(tag: Buffer): string | null {
	if (tag.length < 9 || tag[5] !== 1) return null;
	return tag.subarray(6, 9).toString('hex');
}
