import { h264ProfileName } from './h264-profile.js';

/** Why the bridge re-encodes, or leaves video out (as the ingest status records it). */
export type VideoReason = 'configured' | 'b-frames' | 'codec' | 'profile' | 'no-video' | 'not-playable';

const CODECS: Record<string, string> = { h264: 'H.264', hevc: 'H.265/HEVC', av1: 'AV1', vp9: 'VP9', other: 'a video codec other than H.264' };

/** "H.264", "H.265/HEVC"… */
export function codecName(codec: string): string {
	return CODECS[codec] ?? codec;
}

/** "H.264 High 4:4:4 Predictive", "H.265/HEVC". */
export function videoName(video: { codec: string; profile: string | null }): string {
	return video.codec === 'h264' ? `H.264 ${h264ProfileName(video.profile)}` : codecName(video.codec);
}

/** The end of "re-encoded because …", in words a creator can act on. */
export function reencodeBecause(reason: VideoReason, video: { codec: string; profile: string | null } | null): string {
	switch (reason) {
		case 'configured':
			return 'this server re-encodes every stream';
		case 'b-frames':
			return 'your encoder sends B-frames, whose out-of-order frames make WebRTC pictures stutter';
		case 'profile':
			return `browsers do not receive ${video ? videoName(video) : 'this H.264 profile'} over WebRTC (they take Main and Constrained Baseline)`;
		case 'codec':
			return `browsers do not play ${video ? codecName(video.codec) : 'this codec'} over WebRTC`;
		case 'not-playable':
			return `this server does not carry ${video ? videoName(video) : 'this video'}`;
		case 'no-video':
			return 'no video is sent';
	}
}
