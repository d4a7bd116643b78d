/**
 * The OBS settings the credentials page asks for first: with these, OBS's H.264 goes to viewers
 * as it is (no re-encode: full quality, under a second behind). Names and values as OBS 30 shows
 * them under Settings → Output (Output Mode “Advanced”) → Streaming.
 */
export const OBS_SETTINGS: { name: string; value: string; why: string }[] = [
	{ name: 'Encoder', value: 'x264', why: 'hardware H.264 (NVENC, QuickSync) works too, with the same settings' },
	{ name: 'Rate Control', value: 'CBR', why: 'a steady bitrate that viewers’ connections can follow' },
	{ name: 'Bitrate', value: '3000 Kbps', why: 'anything from 2500 to 4000 is plenty' },
	{ name: 'Keyframe Interval', value: '1 s', why: 'a viewer who joins sees your picture within a second' },
	{ name: 'CPU Usage Preset', value: 'veryfast', why: 'leaves your computer room for your scenes' },
	{ name: 'Profile', value: 'main', why: 'browsers take main or baseline as it is; “high” (OBS’s default) has to be re-encoded' },
	{ name: 'Tune', value: 'zerolatency', why: 'no lookahead and no B-frames: nothing held back' },
	{ name: 'x264 Options', value: 'bframes=0', why: 'B-frames 0 (on NVENC/QuickSync: “Max B-frames” 0); B-frames have to be re-encoded' }
];

/** The settings as plain text, for the Copy button. */
export function obsSettingsText(): string {
	return [
		'OBS → Settings → Output (Output Mode: Advanced) → Streaming',
		...OBS_SETTINGS.map(({ name, value }) => `${name}: ${value}`),
		'Audio: AAC 160 Kbps, 48 kHz (Settings → Audio → Sample Rate 48 kHz)'
	].join('\n');
}
