import type AVPacket from 'node-media-server/src/core/avpacket.js';

const AUDIO = 8;
const VIDEO = 9;
const FLV_CODEC_H264 = 7;
const FLV_CODEC_AAC = 10;
const FLAG = { videoHeader: 2, keyframe: 3, frame: 4 } as const;

/** What an RTMP stream carries, as far as the bridge and the creator need to know. */
export type StreamInfo = {
	video: { codec: 'h264' | 'other'; profileLevelId: string | null } | null;
	audio: { codec: 'aac' | 'other' } | null;
	/** Frames out of display order (pts ≠ dts): RTP timestamps would run backwards. */
	bFrames: boolean;
	/** Time between the last two keyframes: a viewer who joins waits up to this long for a picture. */
	keyframeIntervalMs: number | null;
};

/** Reads a publisher's FLV media messages and keeps a StreamInfo up to date. */
export class StreamProbe {
	readonly info: StreamInfo = { video: null, audio: null, bFrames: false, keyframeIntervalMs: null };
	private lastKeyframeDts: number | null = null;
	private keyframes = 0;

	/** Whether a video keyframe has arrived: from then on the bridge can start with a picture. */
	get hasKeyframe(): boolean {
		return this.keyframes > 0;
	}

	see(packet: AVPacket): void {
		if (packet.codec_type === AUDIO && !this.info.audio) {
			this.info.audio = { codec: packet.codec_id === FLV_CODEC_AAC ? 'aac' : 'other' };
		}
		if (packet.codec_type !== VIDEO) return;
		if (packet.flags === FLAG.videoHeader) {
			const h264 = packet.codec_id === FLV_CODEC_H264;
			this.info.video = { codec: h264 ? 'h264' : 'other', profileLevelId: h264 ? profileLevelIdOf(packet.data) : null };
			return;
		}
		if (packet.flags !== FLAG.keyframe && packet.flags !== FLAG.frame) return;
		if (packet.pts !== packet.dts) this.info.bFrames = true;
		if (packet.flags === FLAG.keyframe) {
			if (this.lastKeyframeDts !== null) this.info.keyframeIntervalMs = packet.dts - this.lastKeyframeDts;
			this.lastKeyframeDts = packet.dts;
			this.keyframes++;
		}
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
