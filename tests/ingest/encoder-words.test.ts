import { describe, expect, it } from 'vitest';
import { h264LevelName, h264ProfileName } from '../../src/lib/ingest/h264-profile.js';
import { reencodeBecause, videoName } from '../../src/lib/ingest/ingest-words.js';
import { reencodeFilter } from '../../sfu/ingest/ffmpeg-args.js';
import { x264Delay, x264OptionsOf } from '../../server/ingest/encoder-delay.js';
import { addressBucket, ConnectionCounts } from '../../server/ingest/connection-limits.js';
import { redactSecrets } from '../../server/ingest/log-redaction.js';

describe('H.264 profiles in words', () => {
	it('names every profile a creator’s encoder may send, GStreamer’s High 4:4:4 Predictive among them', () => {
		const names: Record<string, string> = {
			'42e01f': 'Constrained Baseline',
			'42001f': 'Baseline',
			'4d4028': 'Main',
			'58001f': 'Extended',
			'640028': 'High',
			'640c1f': 'Constrained High',
			'64081f': 'Progressive High',
			'6e0028': 'High 10',
			'6e1028': 'High 10 Intra',
			'7a0028': 'High 4:2:2',
			'f4000d': 'High 4:4:4 Predictive',
			'f41028': 'High 4:4:4 Predictive Intra',
			'2c0028': 'CAVLC 4:4:4 Intra',
			'76001f': 'Multiview High',
			'80001f': 'Stereo High',
			'53001f': 'Scalable Baseline',
			'56001f': 'Scalable High'
		};
		for (const [id, name] of Object.entries(names)) expect(h264ProfileName(id), id).toBe(name);
		expect(h264ProfileName('ff001f')).toBe('unknown profile (ff001f)');
		expect(h264ProfileName('nonsense')).toBe('unknown profile');
		expect(h264LevelName('64002a')).toBe('4.2');
		expect(h264LevelName('f4000d')).toBe('1.3');
		expect(h264LevelName('640028')).toBe('4');
	});

	it('says why a stream is re-encoded in words, never a raw code', () => {
		expect(videoName({ codec: 'h264', profile: 'f4000d' })).toBe('H.264 High 4:4:4 Predictive');
		expect(reencodeBecause('profile', { codec: 'h264', profile: 'f4000d' })).toBe('browsers do not receive H.264 High 4:4:4 Predictive over WebRTC (they take Main and Constrained Baseline)');
		expect(reencodeBecause('b-frames', { codec: 'h264', profile: '640028' })).toContain('B-frames');
		expect(reencodeBecause('codec', { codec: 'other', profile: null })).toBe('browsers do not play a video codec other than H.264 over WebRTC');
		expect(reencodeBecause('not-playable', { codec: 'hevc', profile: null })).toBe('this server does not carry H.265/HEVC');
		for (const reason of ['configured', 'b-frames', 'codec', 'profile', 'no-video', 'not-playable'] as const) {
			expect(reencodeBecause(reason, { codec: 'h264', profile: 'f4000d' })).not.toMatch(/f4|[0-9a-f]{6}/);
		}
	});
});

describe('what the re-encode produces', () => {
	it('keeps at most one frame per 30 fps interval and caps the long side at 1280 whatever the shape', () => {
		expect(reencodeFilter()).toBe(
			"select='isnan(prev_selected_t)+gte(t-prev_selected_t,0.0303)',scale=w='if(gte(iw,ih),min(1280,iw),-2)':h='if(gte(iw,ih),-2,min(1280,ih))':flags=bilinear"
		);
	});
});

/** An FLV AVC frame tag carrying an SEI with x264's version string and `options`, then a slice. */
function x264Frame(options: string): Buffer {
	const text = Buffer.from(`x264 - core 164 r3095 baee400 - H.264/MPEG-4 AVC codec - Copyleft 2003-2022 - http://www.videolan.org/x264.html - options: ${options}\0`, 'latin1');
	const payload = Buffer.concat([Buffer.alloc(16, 0xdc), text]);
	const size: number[] = [];
	let left = payload.length;
	while (left >= 255) (size.push(255), (left -= 255));
	size.push(left);
	const sei = Buffer.concat([Buffer.from([0x06, 0x05, ...size]), payload, Buffer.from([0x80])]);
	const slice = Buffer.from([0x65, 0x88, 0x84, 0x00]);
	const nal = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0]).fill(0).map((_, i) => (b.length >> (8 * (3 - i))) & 0xff), b]);
	return Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), nal(sei), nal(slice)]);
}

describe('an encoder’s hold-back, read from x264’s options', () => {
	it('adds lookahead, B-frames and frame threads as x264 does, and finds nothing with zerolatency', () => {
		// OBS's x264 without a tune, on a 2-core machine: veryfast looks 10 frames ahead with mbtree, 3 frame threads.
		const obs = x264OptionsOf(x264Frame('cabac=1 ref=1 threads=3 lookahead_threads=1 sliced_threads=0 bframes=0 rc_lookahead=10 rc=cbr mbtree=1 vbv_maxrate=2500'), 4)!;
		expect(x264Delay(obs)).toEqual({ frames: 12 + 1, because: ['rc-lookahead 10', '3 frame threads'] });
		// GStreamer's x264enc defaults: medium, lookahead 40, 3 B-frames.
		const gst = x264OptionsOf(x264Frame('threads=3 sliced_threads=0 bframes=3 rc_lookahead=40 mbtree=1'), 4)!;
		expect(x264Delay(gst).frames).toBe(40 + 2 + 4);
		const zerolatency = x264OptionsOf(x264Frame('threads=2 lookahead_threads=2 sliced_threads=1 slices=2 bframes=0 rc=cbr mbtree=0 vbv_maxrate=2500'), 4)!;
		expect(x264Delay(zerolatency)).toEqual({ frames: 0, because: [] });
	});

	it('reads nothing from a frame without x264’s SEI, or a truncated one', () => {
		const slice = Buffer.from([0x17, 1, 0, 0, 0, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00]);
		expect(x264OptionsOf(slice, 4)).toBeNull();
		expect(x264OptionsOf(x264Frame('bframes=0').subarray(0, 40), 4)).toBeNull();
	});
});

describe('counting RTMP connections by address', () => {
	it('counts IPv4-mapped addresses as IPv4 and IPv6 by its /64', () => {
		expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
		expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
		expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
		expect(addressBucket('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
		expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
		expect(addressBucket('::1')).toBe('0:0:0:0::/64');
	});

	it('refuses past the per-address and total caps, and gives places back once', () => {
		const counts = new ConnectionCounts({ maxConnections: 3, maxPerAddress: 2 });
		const a1 = counts.admit('a')!;
		const a2 = counts.admit('a')!;
		expect(counts.admit('a')).toBeNull();
		const b1 = counts.admit('b')!;
		expect(counts.admit('c')).toBeNull();
		a1();
		a1();
		expect(counts.open).toBe(2);
		expect(counts.admit('c')).not.toBeNull();
		a2();
		b1();
	});
});

describe('log lines', () => {
	it('mask anything shaped like a stream key or token', () => {
		expect(redactSecrets('RTMP session x start push /live/Abcdefghijklmnopqrstuvwxyz012345?token=0123456789abcdef0123')).toBe('RTMP session x start push /live/[redacted]?token=[redacted]');
	});
});
