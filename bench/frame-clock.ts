/**
 * What the latency benchmarks share: reading a clock painted into the video as 8x4 black/white
 * blocks off every frame a watch page presents, timing a viewer's join to its first frame, and
 * small helpers. The page-side functions (`startCollector`, `watchFirstFrame`) are serialized
 * into the page, so they use nothing from outside themselves.
 */
import type { Page } from 'playwright-core';
import { MARK_CONSUME } from '../src/lib/media/show-player.js';

/** Where and how finely the viewer samples the blocks. */
export type ReadGrid = { readWidth: number; readHeight: number; cols: number; rows: number };
/** One presented frame as the viewer saw it: the 32 bits, when (Date.now()), and the layer width. */
export type ClockRead = { word: number; at: number; width: number };
type BenchWindow = { benchReads?: { collecting: boolean; reads: ClockRead[] }; benchFirstFrame?: number };

// tsx compiles with esbuild's keepNames, which wraps inner functions in __name(); functions we
// serialize into a page need that helper there too.
export const NAME_SHIM = 'globalThis.__name = (fn) => fn;';

export function envInt(name: string, fallback: number): number {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
	return value;
}

// 8x4 blocks of 160x180 px: 24 bits of Date.now() then 8 CRC bits, redrawn at 30 fps like the
// camera the studio asks for. The viewer reads them back at 320x180.
export const CLOCK_FRAME = { width: 1280, height: 720, cols: 8, rows: 4, drawEveryMs: 33, readWidth: 320, readHeight: 180 };
type ClockFrame = typeof CLOCK_FRAME;

/** CRC-8 (poly 0x07) of a 24-bit value: a frame read mid-transition or through artifacts fails it. */
export function check8(value: number): number {
	let crc = 0;
	for (let bit = 23; bit >= 0; bit--) {
		const top = ((crc >> 7) ^ (value >> bit)) & 1;
		crc = ((crc << 1) & 0xff) ^ (top ? 0x07 : 0);
	}
	return crc;
}

/** Runs in the studio before its scripts: video requests get the clock canvas, audio the fake mic. */
function paintClock(frame: ClockFrame): void {
	const devices = navigator.mediaDevices;
	const original = devices.getUserMedia.bind(devices);
	devices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
		if (!constraints?.video) return original(constraints);
		const canvas = Object.assign(document.createElement('canvas'), { width: frame.width, height: frame.height });
		const ctx = canvas.getContext('2d')!;
		const stream = canvas.captureStream(0); // frames only on requestFrame(): one per timestamp drawn
		const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
		const [w, h] = [frame.width / frame.cols, frame.height / frame.rows];
		const draw = () => {
			const value = Date.now() % 0x1000000;
			const word = value * 256 + check8(value);
			for (let i = 0; i < frame.cols * frame.rows; i++) {
				ctx.fillStyle = Math.floor(word / 2 ** (31 - i)) % 2 ? '#fff' : '#000';
				ctx.fillRect((i % frame.cols) * w, Math.floor(i / frame.cols) * h, w, h);
			}
			track.requestFrame();
		};
		draw();
		const timer = setInterval(draw, frame.drawEveryMs);
		const stop = track.stop.bind(track);
		track.stop = () => {
			clearInterval(timer);
			stop();
		};
		return stream;
	};
}

/** The studio's init script that replaces its camera with the painted clock (with NAME_SHIM before it). */
export function clockCamera(frame: ClockFrame = CLOCK_FRAME): string {
	return `const check8 = ${check8}; (${paintClock})(${JSON.stringify(frame)});`;
}

/** A read's painted time, checked, and how old it was when presented; null for a bad read. */
export function readClock({ word, at }: ClockRead): { value: number; age: number } | null {
	const value = Math.floor(word / 256);
	// Both pages read the same clock; only its low 24 bits were sent, which wrap every ~4.7 h.
	const age = (at - value) % 0x1000000;
	return check8(value) === word % 256 && age <= 60_000 ? { value, age } : null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (ms: number) => Math.round(ms * 10) / 10;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number {
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** Polls `read` (one bounded page round trip each; a failed one counts as "not yet") until it returns a value. */
export async function poll<T>(what: string, ms: number, read: () => Promise<T | null>): Promise<T> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		const value = await withTimeout(what, 5000, read()).catch(() => null);
		if (value !== null) return value;
		await sleep(50);
	}
	throw new Error(`timed out after ${ms} ms waiting until ${what}`);
}

/** Runs in the watch page: reads the 32 blocks off every frame the player presents. */
export function startCollector(grid: ReadGrid): void {
	const video = document.querySelector<HTMLVideoElement>('[data-testid="player"]');
	if (!video) throw new Error('no [data-testid="player"] video');
	const canvas = Object.assign(document.createElement('canvas'), { width: grid.readWidth, height: grid.readHeight });
	const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
	const state = { collecting: false, reads: [] as ClockRead[] };
	(window as BenchWindow).benchReads = state;
	const [w, h] = [grid.readWidth / grid.cols, grid.readHeight / grid.rows];
	const onFrame = () => {
		const at = Date.now();
		ctx.drawImage(video, 0, 0, grid.readWidth, grid.readHeight);
		const pixels = ctx.getImageData(0, 0, grid.readWidth, grid.readHeight).data;
		let word = 0;
		for (let i = 0; i < grid.cols * grid.rows; i++) {
			const x = Math.floor(((i % grid.cols) + 0.5) * w);
			const y = Math.floor((Math.floor(i / grid.cols) + 0.5) * h);
			word = word * 2 + ((pixels[(y * grid.readWidth + x) * 4 + 1] ?? 0) > 127 ? 1 : 0); // green ~ luma
		}
		if (state.collecting) state.reads.push({ word, at, width: video.videoWidth });
		video.requestVideoFrameCallback(onFrame);
	};
	video.requestVideoFrameCallback(onFrame);
}

/** Collects reads for `ms` after a warm-up in which jitter buffers settle; the collector must be started. */
export async function collectFor(page: Page, warmupMs: number, ms: number): Promise<ClockRead[]> {
	await sleep(warmupMs);
	await withTimeout('start collecting', 5000, page.evaluate(() => void ((window as BenchWindow).benchReads!.collecting = true)));
	await sleep(ms);
	return withTimeout('fetch the reads', 10_000, page.evaluate(() => (window as BenchWindow).benchReads!.reads));
}

/** Runs in a joining watch page before its scripts, so the first presented frame cannot be missed. */
export function watchFirstFrame(): void {
	const timer = setInterval(() => {
		const video = document.querySelector<HTMLVideoElement>('[data-testid="player"]');
		if (!video) return;
		clearInterval(timer);
		video.requestVideoFrameCallback(() => ((window as BenchWindow).benchFirstFrame ??= performance.now()));
	}, 5);
}

/** In a page opened with `watchFirstFrame`: from the viewer's first consume request to its first presented frame. */
export function joinToFirstFrame(page: Page): Promise<number> {
	return poll('the joining viewer presents a frame', 20_000, () =>
		page.evaluate((mark) => {
			const start = performance.getEntriesByName(mark)[0]?.startTime;
			const first = (window as BenchWindow).benchFirstFrame;
			return start !== undefined && first !== undefined ? first - start : null;
		}, MARK_CONSUME)
	);
}
