import type { IngestStatus } from './ingest-status.js';

export type IngestWarning = { code: 'B_FRAMES' | 'LONG_KEYFRAME_INTERVAL' | 'NO_AUDIO' | 'NO_VIDEO' | 'VIDEO_RE_ENCODED' | 'HIGH_BITRATE'; text: string };

// Above this a viewer who joins waits noticeably for a picture (the bridge cannot ask OBS for a keyframe).
const KEYFRAME_INTERVAL_LIMIT_MS = 2000;
const BITRATE_LIMIT_KBPS = 6000;

/** What the creator should change in OBS, read off the stream that is arriving now. */
export function ingestWarnings(status: IngestStatus): IngestWarning[] {
	const warnings: IngestWarning[] = [];
	if (status.bFrames) {
		warnings.push({
			code: 'B_FRAMES',
			text:
				status.bridge === 'transcode'
					? 'Your encoder sends B-frames, so the server re-encodes your video: set B-frames to 0 (x264 tune “zerolatency”, or “Max B-frames 0” on hardware encoders) for lower delay and your own picture quality.'
					: 'Your encoder sends B-frames: viewers may see stutter. Set B-frames to 0 (x264 tune “zerolatency”, or “Max B-frames 0” on hardware encoders).'
		});
	} else if (status.bridge === 'transcode') {
		warnings.push({ code: 'VIDEO_RE_ENCODED', text: 'Browsers do not take this video over WebRTC as it is (H.264 High, for one), so the server re-encodes it, which adds delay: set the x264 profile to main (or baseline) to pass it through.' });
	}
	if (status.keyframeIntervalMs !== null && status.keyframeIntervalMs > KEYFRAME_INTERVAL_LIMIT_MS) {
		warnings.push({
			code: 'LONG_KEYFRAME_INTERVAL',
			text: `A keyframe arrives every ${(status.keyframeIntervalMs / 1000).toFixed(1)} s: viewers who join wait that long for a picture. Set the keyframe interval to 1 s.`
		});
	}
	if (!status.video) warnings.push({ code: 'NO_VIDEO', text: 'No video is arriving: viewers hear you but see nothing.' });
	else if (status.bridge === 'no-video') warnings.push({ code: 'NO_VIDEO', text: 'This server does not re-encode video, and browsers cannot play the kind your encoder sends: use x264 with profile main or baseline.' });
	if (!status.audio) warnings.push({ code: 'NO_AUDIO', text: 'No audio is arriving: check the audio tracks of your OBS output.' });
	if (status.bitrateKbps > BITRATE_LIMIT_KBPS) warnings.push({ code: 'HIGH_BITRATE', text: `You send ${status.bitrateKbps} kbit/s; viewers on slower connections will struggle. About 2500–4000 kbit/s is plenty.` });
	return warnings;
}
