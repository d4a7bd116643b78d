/**
 * Glass-to-glass latency (studio tab -> SFU -> watch tab) and viewer join time, measured through
 * the real product pages. The studio's camera is replaced, in this bench only, by a canvas that
 * shows the current time as 32 big black/white blocks; the viewer reads them back off every frame
 * it presents. Run: `npx tsx bench/latency.ts` (env BENCH_SECONDS, BENCH_JOINS).
 *
 * Latency here is canvas draw -> frame presented (no camera or display lag). The watch page plays
 * the host's audio and video as one lip-synced stream, so video also waits for audio's jitter
 * buffer: that is part of the number, as it is for real viewers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser.js';
import { startServerProcess, type ServerProcess } from '../tests/support/process.js';
import { fixtures } from '../tests/support/fixtures.js';
import { connectRedis } from '../src/lib/server/store.js';
import { CLOCK_FRAME as FRAME, collectFor, envInt, goLive, joinToFirstFrame, openPage, percentile, poll, readClock, round, startCollector, watchFirstFrame, withTimeout, type ClockRead, type Show } from './frame-clock.js';

const SECONDS = envInt('BENCH_SECONDS', 20);
const JOINS = envInt('BENCH_JOINS', 8);
const WARMUP_MS = 2000;
const RESULTS = new URL('./results/', import.meta.url);
const videoWidth = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid="player"]')?.videoWidth ?? 0);

/** Watches for warm-up + SECONDS and returns every frame read. */
/** Every frame read, and what the watch page's delay indicator said meanwhile (every 250 ms). */
async function collectReads(browser: Browser, base: string, show: Show): Promise<{ reads: ClockRead[]; indicated: number[] }> {
	const viewer = await openPage(browser, `${base}/gigs/${show.gig}/watch`, show.viewer);
	await poll('the viewer has a picture', 20_000, async () => ((await videoWidth(viewer)) > 0 ? true : null));
	await poll('the viewer gets the 720p layer', 20_000, async () => ((await videoWidth(viewer)) === FRAME.width ? true : null)).catch(
		async () => console.warn(`  warning: the viewer stayed at ${await videoWidth(viewer)} px wide; measuring anyway`)
	);
	await withTimeout('start the collector', 5000, viewer.evaluate(startCollector, FRAME));
	await viewer.evaluate(() => {
		const shown: number[] = ((window as unknown as { benchIndicated: number[] }).benchIndicated = []);
		setInterval(() => {
			const value = document.querySelector('[data-testid="delay"]')?.getAttribute('data-delay-ms');
			if (value) shown.push(Number(value));
		}, 250);
	});
	const reads = await collectFor(viewer, WARMUP_MS, SECONDS * 1000);
	const indicated = await viewer.evaluate(() => (window as unknown as { benchIndicated: number[] }).benchIndicated);
	await viewer.close();
	return { reads, indicated };
}

/** Checks each read and turns the good ones into latencies; counts what a sane decoder must not see. */
function decode(reads: ClockRead[]) {
	const latencies: number[] = [];
	let rejected = 0, repeated = 0, backwards = 0, at720p = 0;
	let previous: number | null = null;
	for (const read of reads) {
		const clock = readClock(read);
		if (!clock) {
			rejected++;
			continue;
		}
		const { value, age } = clock;
		const { width } = read;
		if (previous !== null && value === previous) repeated++;
		else if (previous !== null && ((value - previous + 0x1000000) % 0x1000000) > 0x800000) backwards++;
		previous = value;
		latencies.push(age);
		if (width === FRAME.width) at720p++;
	}
	return { latencies, frames: reads.length, rejected, repeated, backwards, at720p };
}

/** Time from the viewer's first consume request to its first presented frame, JOINS times. */
async function measureJoins(browser: Browser, base: string, show: Show): Promise<{ times: number[]; failures: string[] }> {
	const times: number[] = [];
	const failures: string[] = [];
	for (let i = 0; i < JOINS; i++) {
		const page = await openPage(browser, `${base}/gigs/${show.gig}/watch`, show.viewer, `(${watchFirstFrame})();`);
		try {
			times.push(await joinToFirstFrame(page));
		} catch (error) {
			failures.push(error instanceof Error ? error.message : String(error));
		} finally {
			await page.close();
		}
	}
	return { times, failures };
}

async function main(): Promise<void> {
	let server: ServerProcess | undefined;
	let browser: Browser | undefined;
	try {
		server = await startServerProcess();
		// Two tabs share the browser: keep the one not in front from being throttled.
		const args = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];
		browser = await launchChromium({ args });
		// A creator with a gig and a ticket holder, made straight in the server's Redis.
		const redis = await connectRedis({ socketPath: `${server.dataDir}/redis/redis.sock` });
		const made = await fixtures(redis).show({ title: 'Latency bench' });
		redis.disconnect();
		const show: Show = { gig: made.gig.id, creator: made.creator, viewer: made.viewer };
		console.log(`gig ${show.gig}: going live, then measuring ${SECONDS} s of latency and ${JOINS} joins…`);
		await goLive(browser, server.url, show);
		const collected = await collectReads(browser, server.url, show);
		const decoded = decode(collected.reads);
		const indicated = [...collected.indicated].sort((a, b) => a - b);
		if (!decoded.latencies.length) throw new Error(`no frame decoded: ${decoded.frames} frames read, ${decoded.rejected} failed the check bits`);
		const joins = await measureJoins(browser, server.url, show);

		const sorted = [...decoded.latencies].sort((a, b) => a - b);
		const joinSorted = [...joins.times].sort((a, b) => a - b);
		const result = {
			samples: sorted.length,
			median_ms: round(percentile(sorted, 0.5)),
			// What the watch page's "0.2 s behind" said over the same seconds (its own measurement).
			indicator_median_ms: indicated.length ? round(percentile(indicated, 0.5)) : null,
			p95_ms: round(percentile(sorted, 0.95)),
			p99_ms: round(percentile(sorted, 0.99)),
			min_ms: round(sorted[0]!),
			max_ms: round(sorted[sorted.length - 1]!),
			first_frame_ms: joinSorted.length ? round(percentile(joinSorted, 0.5)) : null,
			first_frame_p95_ms: joinSorted.length ? round(percentile(joinSorted, 0.95)) : null,
			joins: joinSorted.length,
			join_failures: joins.failures.length,
			seconds: SECONDS,
			decoder: { frames: decoded.frames, rejected: decoded.rejected, repeated: decoded.repeated, backwards: decoded.backwards, at_720p: decoded.at720p },
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, node: process.version, chromium: browser.version() }
		};
		console.log(`
latency   ${result.samples} samples (${decoded.frames} frames = ${(decoded.frames / SECONDS).toFixed(1)}/s, ${decoded.rejected} rejected, ${decoded.repeated} repeated, ${decoded.backwards} out of order, ${decoded.at720p} at 720p)
          median ${result.median_ms} ms   p95 ${result.p95_ms} ms   p99 ${result.p99_ms} ms   min ${result.min_ms} ms   max ${result.max_ms} ms
delay     the watch page's indicator said ${result.indicator_median_ms ?? '–'} ms (median)
join      ${result.joins}/${JOINS} joins   median ${result.first_frame_ms} ms   p95 ${result.first_frame_p95_ms} ms  (consume request -> first frame)`);
		for (const failure of joins.failures) console.warn(`  join failed: ${failure}`);
		await mkdir(RESULTS, { recursive: true });
		await writeFile(new URL('latency.json', RESULTS), JSON.stringify(result, null, '\t') + '\n');
		console.log(`wrote ${new URL('latency.json', RESULTS).pathname}`);
	} catch (error) {
		if (server) console.error(`server log (last 15 lines):\n${server.logs.slice(-15).join('\n')}`);
		throw error;
	} finally {
		await withTimeout('close the browser', 10_000, browser?.close() ?? Promise.resolve()).catch(() => {});
		await server?.stop();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	}
);
