import type { IngestStatus } from './ingest-status.js';
import { reencodeBecause, videoName } from '../../ingest/ingest-words.js';
import { h264Profile } from '../../ingest/h264-profile.js';

export type IngestWarning = {
	code: 'B_FRAMES' | 'VIDEO_RE_ENCODED' | 'ENCODER_DELAY' | 'LONG_KEYFRAME_INTERVAL' | 'VIDEO_NOT_CARRIED' | 'NO_AUDIO' | 'HIGH_BITRATE';
	text: string;
};

// Above this a viewer who joins waits noticeably for a picture (the bridge cannot ask OBS for a keyframe).
const KEYFRAME_INTERVAL_LIMIT_MS = 2000;
const BITRATE_LIMIT_KBPS = 6000;
// An encoder holding frames back longer than this doubles a sub-second show's delay or worse.
const ENCODER_DELAY_LIMIT_MS = 100;

/** What the creator should change in OBS, read off the stream that is arriving now, each with why. */
export function ingestWarnings(status: IngestStatus): IngestWarning[] {
	const warnings: IngestWarning[] = [];
	const reencoded = status.bridge === 'transcode' && status.videoReason !== 'configured';
	if (reencoded && status.video) {
		// Everything that stands between this stream and passing through, so one change in OBS is enough.
		const changes = [];
		const profile = h264Profile(status.video.profile);
		if (status.video.codec !== 'h264') changes.push('Encoder to x264 (H.264)');
		if (profile !== 'main' && profile !== 'constrained-baseline') changes.push('Profile to “main”');
		if (status.bFrames) changes.push('B-frames to 0 (x264: Tune “zerolatency”; NVENC/QuickSync: “Max B-frames” 0)');
		warnings.push({
			code: 'VIDEO_RE_ENCODED',
			text: `Re-encoded because ${reencodeBecause(status.videoReason ?? 'profile', status.video)}: viewers get at most 720p at 30 fps, a little later than you send it. In OBS set ${changes.join(' and ')}, and your picture goes to viewers as it is.`
		});
	} else if (status.bFrames) {
		warnings.push({ code: 'B_FRAMES', text: 'Your encoder sends B-frames: viewers may see stutter. Set B-frames to 0 (x264: Tune “zerolatency”; NVENC/QuickSync: “Max B-frames” 0).' });
	}
	const delay = encoderDelayMs(status);
	if (delay !== null && delay > ENCODER_DELAY_LIMIT_MS) {
		warnings.push({
			code: 'ENCODER_DELAY',
			text: `Your encoder holds each frame back about ${Math.round(delay)} ms before sending it (${status.encoderDelay!.because.join(', ')}), and every viewer waits that much longer. In OBS set Tune to “zerolatency”.`
		});
	}
	if (status.bridge === 'passthrough' && status.keyframeIntervalMs !== null && status.keyframeIntervalMs > KEYFRAME_INTERVAL_LIMIT_MS) {
		warnings.push({
			code: 'LONG_KEYFRAME_INTERVAL',
			text: `A keyframe arrives every ${(status.keyframeIntervalMs / 1000).toFixed(1)} s: viewers who join wait that long for a picture. Set the keyframe interval to 1 s.`
		});
	}
	if (status.video && status.videoReason === 'not-playable') {
		warnings.push({ code: 'VIDEO_NOT_CARRIED', text: `Viewers cannot see your video: ${reencodeBecause('not-playable', status.video)}. In OBS choose the x264 encoder (H.264) with profile main.` });
	}
	if (status.video && !status.audio) warnings.push({ code: 'NO_AUDIO', text: 'No audio is arriving: check the audio tracks of your OBS output.' });
	if (status.bitrateKbps > BITRATE_LIMIT_KBPS) warnings.push({ code: 'HIGH_BITRATE', text: `You send ${status.bitrateKbps} kbit/s; viewers on slower connections will struggle. About 2500–4000 kbit/s is plenty.` });
	return warnings;
}

/** The encoder's hold-back in ms, from its frames and frame rate, when it says. */
export function encoderDelayMs(status: Pick<IngestStatus, 'encoderDelay' | 'video'>): number | null {
	const fps = status.video?.fps;
	if (!status.encoderDelay || !fps) return null;
	return (status.encoderDelay.frames * 1000) / fps;
}

/** The video line of the status: "H.264 Main 1280×720 at 30 fps". */
export function incomingVideo(status: IngestStatus): string | null {
	const v = status.video;
	if (!v) return null;
	const size = v.width && v.height ? ` ${v.width}×${v.height}` : '';
	const fps = v.fps ? ` at ${Math.round(v.fps)} fps` : '';
	return `${videoName(v)}${size}${fps}`;
}
