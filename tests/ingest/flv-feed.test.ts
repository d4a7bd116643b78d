import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import { FlvFeed } from '../../server/ingest/flv-feed.js';

const AUDIO = 8;
const VIDEO = 9;

/** An FLV packet as node-media-server hands it over. Video frames are H.264 with one slice NAL (`ref` sets nal_ref_idc). */
function packet(kind: 'audio' | 'video' | 'meta', flags: number, dts: number, { ref = true, size = 100 } = {}): AVPacket {
	let data: Buffer;
	if (kind === 'video') {
		const nal = Buffer.alloc(size);
		nal[0] = (ref ? 0x60 : 0) | (flags === 3 ? 5 : 1);
		data = flags === 2 ? Buffer.from([0x17, 0, 0, 0, 0, 1, 0x4d, 0x40, 0x1f, 0xff]) : Buffer.concat([Buffer.from([flags === 3 ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, (size >> 8) & 0xff, size & 0xff]), nal]);
	} else data = Buffer.alloc(kind === 'audio' ? 20 : 30, 1);
	return { codec_type: kind === 'video' ? VIDEO : kind === 'audio' ? AUDIO : 18, codec_id: kind === 'video' ? 7 : 10, flags, pts: dts, dts, size: data.length, data } as AVPacket;
}

/** A sink that records each tag as it is handed over; `reading: false` takes nothing (a stalled ffmpeg) until `resume()`. */
function sink(reading = true) {
	const tags: { type: number; dts: number; bytes: number }[] = [];
	const waiting: (() => void)[] = [];
	const out = new Writable({
		highWaterMark: 1024,
		write(_chunk: Buffer, _encoding, done) {
			if (reading) done();
			else waiting.push(done);
		}
	});
	const write = out.write.bind(out) as (chunk: Buffer) => boolean;
	out.write = ((chunk: Buffer) => {
		tags.push({ type: chunk[0]!, dts: chunk.length > 11 ? ((chunk[7]! << 24) | (chunk[4]! << 16) | (chunk[5]! << 8) | chunk[6]!) >>> 0 : -1, bytes: chunk.length });
		return write(chunk);
	}) as typeof out.write;
	return {
		out,
		tags,
		resume() {
			reading = true;
			for (const done of waiting.splice(0)) done();
		}
	};
}

describe('the FLV a bridge’s ffmpeg reads', () => {
	it('starts with a header for its tracks, the codec headers and the last keyframe on, then only its own track', () => {
		const feed = new FlvFeed();
		feed.see(packet('meta', 5, 0));
		feed.see(packet('audio', 0, 0));
		feed.see(packet('video', 2, 0));
		feed.see(packet('video', 3, 0));
		feed.see(packet('audio', 1, 10));
		feed.see(packet('video', 4, 33));
		const video = sink();
		const audio = sink();
		feed.attach(video.out, { audio: false, video: true });
		feed.attach(audio.out, { audio: true, video: false });
		feed.see(packet('audio', 1, 31));
		feed.see(packet('video', 4, 66));
		// 'F' of "FLV" first; its flags byte says video only (1) or audio only (4).
		expect(video.tags[0]!.type).toBe(0x46);
		expect(audio.tags[0]!.type).toBe(0x46);
		expect(video.tags.slice(1).map((t) => [t.type, t.dts])).toEqual([[18, 0], [9, 0], [9, 0], [9, 33], [9, 66]]);
		// Sound starts now: no old sound in a burst.
		expect(audio.tags.slice(1).map((t) => [t.type, t.dts])).toEqual([[18, 0], [8, 0], [8, 31]]);
	});

	it('a reader that falls behind leaves out unreferenced frames, then jumps its backlog to the newest keyframe; sound is never held up', async () => {
		const feed = new FlvFeed();
		feed.see(packet('audio', 0, 0));
		feed.see(packet('video', 2, 0));
		feed.see(packet('video', 3, 0, { size: 4000 }));
		const video = sink(false);
		const audio = sink();
		const skips: number[] = [];
		feed.attach(video.out, { audio: false, video: true }, { skipped: (lag) => skips.push(lag) });
		feed.attach(audio.out, { audio: true, video: false });
		// 60 fps for 3 s while the video reader takes nothing: a referenced P frame, then an
		// unreferenced B frame, in turn; a keyframe at 2 s.
		for (let i = 1; i <= 180; i++) {
			feed.see(packet('video', i === 120 ? 3 : 4, i * 17, { ref: i % 2 === 1 || i === 120, size: 4000 }));
			if (i % 2 === 0) feed.see(packet('audio', 1, i * 17));
		}
		expect(skips, 'one jump, at the keyframe').toHaveLength(1);
		expect(audio.tags.filter((t) => t.type === AUDIO && t.dts > 0), 'every sound frame went').toHaveLength(90);
		video.resume();
		await new Promise((resolve) => setImmediate(resolve));
		const handed = video.tags.filter((t) => t.type === VIDEO).map((t) => t.dts);
		// A few frames filled the sink before it stalled; once it reads again, from the keyframe on.
		expect(handed.filter((dts) => dts > 300 && dts < 120 * 17), 'the stale backlog went').toEqual([]);
		expect(handed.filter((dts) => dts >= 120 * 17)[0], 'from the keyframe').toBe(120 * 17);
		const after = handed.filter((dts) => dts > 120 * 17);
		const unreferenced = after.filter((dts) => (dts / 17) % 2 === 0);
		expect(after.length - unreferenced.length, 'every referenced frame after it').toBe(30);
		expect(unreferenced.length, 'unreferenced ones only until it was 300 ms behind again').toBeLessThan(15);
	});

	it('sound that follows a re-encoded picture waits until the picture’s reader has read as far, or 600 ms at most', async () => {
		const feed = new FlvFeed();
		feed.see(packet('audio', 0, 0));
		feed.see(packet('video', 2, 0));
		feed.see(packet('video', 3, 0, { size: 40_000 })); // fills what a sink is handed ahead
		const video = sink(false);
		const audio = sink();
		const picture = feed.attach(video.out, { audio: false, video: true });
		feed.attach(audio.out, { audio: true, video: false }, { follow: picture });
		const heard = () => audio.tags.filter((t) => t.type === AUDIO && t.dts > 0).map((t) => t.dts);
		feed.see(packet('video', 4, 33));
		feed.see(packet('audio', 1, 21));
		expect(heard(), 'the picture reader has not read past 0').toEqual([]);
		await new Promise((resolve) => setTimeout(resolve, 700));
		expect(heard(), 'released after waiting its longest').toEqual([21]);
	});
});
