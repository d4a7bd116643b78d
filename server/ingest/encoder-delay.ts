/**
 * How many frames an H.264 encoder holds back before sending each one, read from the options
 * string x264 writes into its first keyframe (an SEI "user data unregistered" message: "x264 -
 * core 164 … options: … bframes=0 … rc_lookahead=10 …"). OBS's default x264 (no "zerolatency"
 * tune) looks ahead 10+ frames and runs frame threads, which adds a third of a second or more of
 * delay to every viewer without any other sign in the stream.
 */

export type EncoderDelay = {
	/** Frames between a picture entering the encoder and leaving it. */
	frames: number;
	/** What makes up the delay, in x264's own option names, for the creator's warning. */
	because: string[];
};

const NAL_SEI = 6;
const SEI_USER_DATA_UNREGISTERED = 5;
// FLV AVC video tag: frame type/codec, AVCPacketType, composition time (3 bytes), then NAL units.
const NALUS_AT = 5;

/** The x264 options from an FLV AVC frame tag whose NAL units carry x264's SEI, else null. */
export function x264OptionsOf(tag: Buffer, nalLengthSize: number): Map<string, string> | null {
	let at = NALUS_AT;
	while (at + nalLengthSize <= tag.length) {
		const size = tag.readUIntBE(at, nalLengthSize);
		at += nalLengthSize;
		if (size <= 0 || at + size > tag.length) return null;
		if ((tag[at]! & 0x1f) === NAL_SEI) {
			const options = optionsInSei(tag.subarray(at + 1, at + size));
			if (options) return options;
		}
		at += size;
	}
	return null;
}

function optionsInSei(sei: Buffer): Map<string, string> | null {
	let at = 0;
	while (at < sei.length && sei[at] !== 0x80) {
		let type = 0;
		while (sei[at] === 0xff) (type += 255), at++;
		type += sei[at++] ?? 0;
		let size = 0;
		while (sei[at] === 0xff) (size += 255), at++;
		size += sei[at++] ?? 0;
		if (type === SEI_USER_DATA_UNREGISTERED && size > 16) {
			// 16 bytes of UUID, then text; the text has no 00 00 runs, so no emulation bytes to undo.
			const text = sei.subarray(at + 16, Math.min(sei.length, at + size)).toString('latin1');
			const options = /^x264 - core .*? options: ([^\0]*)/s.exec(text)?.[1];
			if (options) return new Map(options.trim().split(/\s+/).map((kv) => kv.split('=', 2) as [string, string]));
		}
		at += size;
	}
	return null;
}

/**
 * x264's own sum (encoder.c, `h->frames.i_delay`): B-frames or the rate-control lookahead
 * (used with mbtree or VBV), frame threads minus one, and the sync lookahead that frame
 * threading adds (B-frames + 1). "zerolatency" sets them all to zero.
 */
export function x264Delay(options: Map<string, string>): EncoderDelay {
	const int = (name: string) => Number.parseInt(options.get(name) ?? '0', 10) || 0;
	const bframes = int('bframes');
	const lookaheadUsed = options.get('mbtree') === '1' || int('vbv_maxrate') > 0;
	const lookahead = lookaheadUsed ? int('rc_lookahead') : 0;
	const frameThreads = options.get('sliced_threads') === '1' ? 1 : Math.max(1, int('threads'));
	const sync = frameThreads > 1 ? bframes + 1 : 0;
	const because: string[] = [];
	if (lookahead > 0) because.push(`rc-lookahead ${lookahead}`);
	if (bframes > 0) because.push(`${bframes} B-frames`);
	if (frameThreads > 1) because.push(`${frameThreads} frame threads`);
	return { frames: Math.max(bframes, lookahead) + (frameThreads - 1) + sync, because };
}
