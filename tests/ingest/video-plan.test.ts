import { describe, expect, it } from 'vitest';
import { browsersDecode, planVideo, routerTakes } from '../../sfu/ingest/video-plan.js';
import { declaredProfileLevelId } from '../../sfu/ingest/rtmp-bridge.js';
import { profileLevelIdOf } from '../../server/ingest/stream-probe.js';

const h264 = (profileLevelId: string) => ({ codec: 'h264' as const, profileLevelId });

describe('which video the bridge passes through', () => {
	it('knows the router takes Constrained Baseline, Main and High at any level, and browsers the first two', () => {
		for (const id of ['42c01f', '42e01f', '4d4028', '4d0033', '640028', '64001f', '640c1f']) expect(routerTakes(id), id).toBe(true);
		for (const id of ['42c01f', '42e01f', '4d4028', '4d0033']) expect(browsersDecode(id), id).toBe(true);
		for (const id of ['640028', '64001f']) expect(browsersDecode(id), id).toBe(false);
	});

	it('takes no High 10, 4:2:2, plain Baseline or nonsense', () => {
		for (const id of ['6e0028', '7a0028', '42001f', 'f4001f', 'zzzzzz', '', null]) expect(routerTakes(id), String(id)).toBe(false);
	});

	it('transcodes B-frames, High, other codecs and profiles in auto mode, and everything when told to', () => {
		expect(planVideo(h264('4d4028'), false, 'auto')).toEqual({ mode: 'passthrough', profileLevelId: '4d4028' });
		expect(planVideo(h264('640028'), false, 'auto')).toEqual({ mode: 'transcode', reason: 'profile' });
		expect(planVideo(h264('4d4028'), true, 'auto')).toEqual({ mode: 'transcode', reason: 'b-frames' });
		expect(planVideo(h264('6e0028'), false, 'auto')).toEqual({ mode: 'transcode', reason: 'profile' });
		expect(planVideo({ codec: 'other', profileLevelId: null }, false, 'auto')).toEqual({ mode: 'transcode', reason: 'codec' });
		expect(planVideo(h264('640028'), false, 'always')).toEqual({ mode: 'transcode', reason: 'configured' });
		expect(planVideo(null, false, 'auto')).toEqual({ mode: 'none', reason: 'no-video' });
		expect(planVideo({ codec: 'hevc', profileLevelId: null }, false, 'auto')).toEqual({ mode: 'none', reason: 'not-playable' });
	});

	it('never re-encodes when told not to: B-frames pass, video the router cannot take is left out', () => {
		expect(planVideo(h264('640028'), true, 'never')).toEqual({ mode: 'passthrough', profileLevelId: '640028' });
		expect(planVideo(h264('6e0028'), false, 'never')).toEqual({ mode: 'none', reason: 'not-playable' });
	});
});

describe('the profile-level-id a passed-through producer declares', () => {
	// x264 picked level 6.0 (4d403c) for a 720p stream with millisecond timestamps, and mediasoup
	// refused the producer ("unsupported codec"): the bridge never started.
	it('keeps the stream’s own up to level 5.2 and declares 5.2 above it', () => {
		expect(declaredProfileLevelId('4d401f')).toBe('4d401f');
		expect(declaredProfileLevelId('42e034')).toBe('42e034');
		for (const id of ['4d403c', '4d403d', '4d403e']) expect(declaredProfileLevelId(id)).toBe('4d4034');
	});
});

describe('reading the AVC sequence header', () => {
	it('takes profile, constraints and level from the decoder configuration record', () => {
		// FLV video tag: keyframe|AVC, AVCPacketType 0, cts 0, then version 1, High, 0x00, level 4.0
		const tag = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0x00, 0x28, 0xff, 0xe1]);
		expect(profileLevelIdOf(tag)).toBe('640028');
		expect(profileLevelIdOf(tag.subarray(0, 7))).toBeNull();
	});
});
