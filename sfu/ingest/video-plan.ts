/** How the bridge carries a stream's video into the gig's router. */
export type VideoPlan =
	| { mode: 'passthrough'; profileLevelId: string }
	| { mode: 'transcode'; reason: 'configured' | 'b-frames' | 'codec' | 'profile' }
	| { mode: 'none' };

export type TranscodeMode = 'auto' | 'always' | 'never';

export type IncomingVideo = { codec: 'h264' | 'other'; profileLevelId: string | null } | null;

/**
 * H.264 profiles every browser's WebRTC decodes and the router lists (see media-codecs.ts):
 * Constrained Baseline, Main and High, by profile_idc and constraint flags as RFC 6184 and
 * libwebrtc match them. Level is free: the router allows level asymmetry.
 */
export function passableProfile(profileLevelId: string | null): boolean {
	if (!profileLevelId || !/^[0-9a-f]{6}$/.test(profileLevelId)) return false;
	const idc = profileLevelId.slice(0, 2);
	const iop = parseInt(profileLevelId.slice(2, 4), 16);
	if (idc === '42') return (iop & 0x4f) === 0x40; // constraint_set1: Constrained Baseline
	if (idc === '4d') return (iop & 0xaf) === 0; // Main
	if (idc === '64') return iop === 0 || iop === 0x0c; // High, Constrained High
	return false;
}

/**
 * Passthrough costs ~3 % of a core; a VP8 transcode ~80 % and ~80 ms. So pass H.264 through
 * unless WebRTC cannot carry it as it is: B-frames make RTP timestamps run backwards (browsers
 * stutter), and other codecs or profiles have no router entry.
 */
export function planVideo(video: IncomingVideo, bFrames: boolean, mode: TranscodeMode): VideoPlan {
	if (!video) return { mode: 'none' };
	if (mode === 'always') return { mode: 'transcode', reason: 'configured' };
	const passable = video.codec === 'h264' && passableProfile(video.profileLevelId);
	// Never re-encoding: B-frames pass as they are (the creator is told); the router cannot take other video at all.
	if (mode === 'never') return passable ? { mode: 'passthrough', profileLevelId: video.profileLevelId! } : { mode: 'none' };
	if (video.codec !== 'h264') return { mode: 'transcode', reason: 'codec' };
	if (!passable) return { mode: 'transcode', reason: 'profile' };
	if (bFrames) return { mode: 'transcode', reason: 'b-frames' };
	return { mode: 'passthrough', profileLevelId: video.profileLevelId! };
}
