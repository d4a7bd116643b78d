/**
 * H.264 profiles in words, from an SDP profile-level-id (profile_idc, constraint flags, level_idc
 * as hex, e.g. "64001f"). Creators see these names; the bridge decides by `h264Profile`.
 */

/** The profiles the bridge tells apart: what the gig routers list (media-codecs.ts), or another. */
export type H264Profile = 'constrained-baseline' | 'main' | 'high' | null;

/** The profile as RFC 6184 and libwebrtc match it (profile_idc with the constraint flags that matter). */
export function h264Profile(profileLevelId: string | null): H264Profile {
	const parsed = parse(profileLevelId);
	if (!parsed) return null;
	const { idc, flags } = parsed;
	if (idc === 0x42 && (flags & 0x4f) === 0x40) return 'constrained-baseline';
	if (idc === 0x4d && (flags & 0xaf) === 0) return 'main';
	if (idc === 0x64 && (flags === 0 || flags === 0x0c)) return 'high';
	return null;
}

// profile_idc → name (ITU-T H.264 Annex A, G, H).
const NAMES: Record<number, string> = {
	44: 'CAVLC 4:4:4 Intra',
	66: 'Baseline',
	77: 'Main',
	83: 'Scalable Baseline',
	86: 'Scalable High',
	88: 'Extended',
	100: 'High',
	110: 'High 10',
	118: 'Multiview High',
	122: 'High 4:2:2',
	128: 'Stereo High',
	134: 'MFC High',
	135: 'MFC Depth High',
	138: 'Multiview Depth High',
	139: 'Enhanced Multiview Depth High',
	244: 'High 4:4:4 Predictive'
};

/** "Constrained Baseline", "Main", "High 4:4:4 Predictive", "High 10 Intra"…, or "unknown profile (code)". */
export function h264ProfileName(profileLevelId: string | null): string {
	const parsed = parse(profileLevelId);
	if (!parsed) return 'unknown profile';
	const { idc, flags } = parsed;
	const name = NAMES[idc];
	if (!name) return `unknown profile (${profileLevelId})`;
	const set = (bit: number) => (flags & (0x80 >> bit)) !== 0;
	if (idc === 66 && set(1)) return 'Constrained Baseline';
	if (idc === 100 && set(4) && set(5)) return 'Constrained High';
	if (idc === 100 && set(4)) return 'Progressive High';
	// constraint_set3 marks the Intra variants of the High 10/4:2:2/4:4:4 profiles.
	if ((idc === 110 || idc === 122 || idc === 244) && set(3)) return `${name} Intra`;
	return name;
}

/** "4.2" from level_idc 42; "1b" for the odd one. */
export function h264LevelName(profileLevelId: string | null): string | null {
	const parsed = parse(profileLevelId);
	if (!parsed) return null;
	const { idc, flags, level } = parsed;
	if (level === 11 && (idc === 66 || idc === 77) && (flags & 0x10) !== 0) return '1b';
	if (level === 9) return '1b';
	return level % 10 === 0 ? String(level / 10) : (level / 10).toFixed(1);
}

function parse(profileLevelId: string | null): { idc: number; flags: number; level: number } | null {
	if (!profileLevelId || !/^[0-9a-fA-F]{6}$/.test(profileLevelId)) return null;
	const byte = (i: number) => parseInt(profileLevelId.slice(i * 2, i * 2 + 2), 16);
	return { idc: byte(0), flags: byte(1), level: byte(2) };
}
