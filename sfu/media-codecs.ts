import type { RtpCodecCapability } from 'mediasoup/node/lib/RtpParameters';

/**
 * What every gig Router accepts. Opus for audio; VP8 first because every browser encodes it and
 * simulcasts it well; H.264 (Constrained Baseline, Main and High: what OBS's x264 sends) so the
 * RTMP bridge can pass video through without re-encoding. Levels differ per stream; level
 * asymmetry lets any level through.
 */
export const mediaCodecs: RtpCodecCapability[] = [
	{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
	{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } },
	{
		kind: 'video',
		mimeType: 'video/H264',
		clockRate: 90000,
		parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 }
	},
	{
		kind: 'video',
		mimeType: 'video/H264',
		clockRate: 90000,
		parameters: { 'packetization-mode': 1, 'profile-level-id': '4d001f', 'level-asymmetry-allowed': 1 }
	},
	{
		kind: 'video',
		mimeType: 'video/H264',
		clockRate: 90000,
		parameters: { 'packetization-mode': 1, 'profile-level-id': '64001f', 'level-asymmetry-allowed': 1 }
	}
];
