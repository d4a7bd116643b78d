import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpAnswer, HttpClient } from '../support/http.js';

/** The pid of a Gigstage data directory's embedded redis-server, from its pid file. */
export function embeddedRedisPid(dataDir: string): number {
	return Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8').trim());
}

/** An answer and how long it took; `status` 0 when there was no answer within the client's patience. */
export type Timed = { status: number; ms: number; at: number; text: string };

/** Sends one request and times it; gives up after `patienceMs` (a hang shows as status 0). */
export async function timed(send: () => Promise<HttpAnswer>, patienceMs = 5000): Promise<Timed> {
	const at = Date.now();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const gaveUp = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), patienceMs)));
	try {
		const answer = await Promise.race([send(), gaveUp]);
		return { status: answer?.status ?? 0, ms: Date.now() - at, at, text: answer?.text ?? '' };
	} catch (error) {
		return { status: 0, ms: Date.now() - at, at, text: String(error) };
	} finally {
		clearTimeout(timer);
	}
}

/** Runs `step` over and over, `everyMs` apart, until stopped; resolves with every result. */
export function keepDoing<T>(step: (n: number) => Promise<T>, everyMs: number): { stop(): Promise<T[]> } {
	const results: T[] = [];
	let running = true;
	const loop = (async () => {
		for (let n = 0; running; n++) {
			results.push(await step(n));
			await new Promise((r) => setTimeout(r, everyMs));
		}
	})();
	return {
		async stop() {
			running = false;
			await loop;
			return results;
		}
	};
}

/** Fetches `path` every `everyMs` until stopped, timing each answer: what a visitor saw during an outage. */
export function keepVisiting(client: HttpClient, path: string, everyMs = 100): { stop(): Promise<Timed[]> } {
	return keepDoing(() => timed(() => client.get(path)), everyMs);
}

/** The median and 95th percentile of some durations. */
export function percentiles(values: number[]): { n: number; median: number; p95: number; max: number } {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
	return { n: sorted.length, median: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? NaN };
}

/** Log lines of a server process matching `pattern` (JSON lines: matched on their text). */
export function logLines(logs: string[], pattern: RegExp): string[] {
	return logs.filter((line) => pattern.test(line));
}
