/** How the bridge carries a stream's video into the gig's router. */
export type VideoPlan =
	| { mode: 'passthrough'; profileLevelId: string }
	| { mode: 'transcode'; reason: 'configured' | 'b-frames' | 'codec' | 'profile' }
	| { mode: 'none' };

export type TranscodeMode = 'auto' | 'always' | 'never';

export type IncomingVideo = { codec: 'h264' | 'other'; profileLevelId: string | null } | null;

/** The H.264 profile (by profile_idc and constraint flags, as RFC 6184 and libwebrtc match them) of an SDP profile-level-id. */
export function h264Profile(profileLevelId: string | null): 'constrained-baseline' | 'main' | 'high' | null {
	if (!profileLevelId || !/^[0-9a-f]{6}$/.test(profileLevelId)) return null;
	const idc = profileLevelId.slice(0, 2);
	const iop = parseInt(profileLevelId.slice(2, 4), 16);
	if (idc === '42' && (iop & 0x4f) === 0x40) return 'constrained-baseline';
	if (idc === '4d' && (iop & 0xaf) === 0) return 'main';
	if (idc === '64' && (iop === 0 || iop === 0x0c)) return 'high';
	return null;
}

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
 * Passthrough costs ~3 % of a core; a VP8 transcode ~80 % and ~80 ms. So pass H.264 through
 * unless WebRTC cannot carry it as it is: B-frames make RTP timestamps run backwards (browsers
 * stutter), browsers do not take High, and other codecs have no router entry.
 */
export function planVideo(video: IncomingVideo, bFrames: boolean, mode: TranscodeMode): VideoPlan {
	if (!video) return { mode: 'none' };
	if (mode === 'always') return { mode: 'transcode', reason: 'configured' };
	const h264 = video.codec === 'h264';
	// Never re-encoding: B-frames and High pass as they are (the creator is told); the router cannot take other video at all.
	if (mode === 'never') return h264 && routerTakes(video.profileLevelId) ? { mode: 'passthrough', profileLevelId: video.profileLevelId! } : { mode: 'none' };
	if (!h264) return { mode: 'transcode', reason: 'codec' };
	if (!browsersDecode(video.profileLevelId)) return { mode: 'transcode', reason: 'profile' };
	if (bFrames) return { mode: 'transcode', reason: 'b-frames' };
	return { mode: 'passthrough', profileLevelId: video.profileLevelId! };
}
