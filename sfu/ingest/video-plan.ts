import { h264Profile } from '../../src/lib/ingest/h264-profile.js';

/** Why the bridge re-encodes: the creator is told in words (src/lib/ingest/ingest-words.ts). */
export type ReencodeReason = 'configured' | 'b-frames' | 'codec' | 'profile';

/** How the bridge carries a stream's video into the gig's router. */
export type VideoPlan =
	| { mode: 'passthrough'; profileLevelId: string }
	| { mode: 'transcode'; reason: ReencodeReason }
	/** No video sent (audio only), or video this server will not carry (`not-playable`). */
	| { mode: 'none'; reason: 'no-video' | 'not-playable' };

export type TranscodeMode = 'auto' | 'always' | 'never';

/**
 * The video an encoder sends. `h264` and `other` (VP6, H.263…) come in classic FLV, which ffmpeg
 * reads; `hevc`, `av1` and `vp9` come in "enhanced RTMP" (OBS 29+), which Debian 12's ffmpeg 5.1
 * cannot read, so they are not carried at all.
 */
export type IncomingVideo = { codec: 'h264' | 'hevc' | 'av1' | 'vp9' | 'other'; profileLevelId: string | null } | null;

/** Profiles the gig routers list (media-codecs.ts); the level is free, since they allow level asymmetry. */
export function routerTakes(profileLevelId: string | null): boolean {
	return h264Profile(profileLevelId) !== null;
}

/**
 * Profiles browsers receive over WebRTC. Chromium offers Constrained Baseline and Main but not
 * High (Debian's Chromium 156 lists 42e01f, 4d001f, f4001f; tests/ingest/obs-watch.test.ts checks
 * it), so High would be refused at consume ("your browser cannot decode this stream").
 */
export function browsersDecode(profileLevelId: string | null): boolean {
	const profile = h264Profile(profileLevelId);
	return profile === 'constrained-baseline' || profile === 'main';
}

/**
 * Passthrough costs ~2 % of a core; a re-encode ~40-55 % and ~70 ms. So pass H.264 through
 * unless WebRTC cannot carry it as it is: B-frames make RTP timestamps run backwards (browsers
 * stutter), browsers do not take High, and other codecs have no router entry.
 */
export function planVideo(video: IncomingVideo, bFrames: boolean, mode: TranscodeMode): VideoPlan {
	if (!video) return { mode: 'none', reason: 'no-video' };
	if (video.codec === 'hevc' || video.codec === 'av1' || video.codec === 'vp9') return { mode: 'none', reason: 'not-playable' };
	if (mode === 'always') return { mode: 'transcode', reason: 'configured' };
	const h264 = video.codec === 'h264';
	// Never re-encoding: B-frames and High pass as they are (the creator is told); the router cannot take other video at all.
	if (mode === 'never') return h264 && routerTakes(video.profileLevelId) ? { mode: 'passthrough', profileLevelId: video.profileLevelId! } : { mode: 'none', reason: 'not-playable' };
	if (!h264) return { mode: 'transcode', reason: 'codec' };
	if (!browsersDecode(video.profileLevelId)) return { mode: 'transcode', reason: 'profile' };
	if (bFrames) return { mode: 'transcode', reason: 'b-frames' };
	return { mode: 'passthrough', profileLevelId: video.profileLevelId! };
}
