/**
 * OBS/RTMP ingest through the real product: ffmpeg publishers -> node-media-server -> bridge
 * (ffmpeg per track) -> mediasoup -> a ticket holder's watch page in Chromium. Run:
 * `npm run bench:rtmp` (env BENCH_SECONDS, BENCH_JOINS). Writes bench/results/rtmp.json.
 *
 * - Latency and lip sync: the publisher paints the wall clock into every frame and beeps on every
 *   wall-clock second (av-clock.ts); the viewer reads the clock off each presented frame and times
 *   each beep where the page plays it. Publisher and browser share this machine's clock, so the
 *   figures are capture -> encode -> RTMP -> bridge -> SFU -> decode -> present, with nothing of a
 *   camera or display.
 * - Sound quality: the viewer's inbound-rtp audio stats, as the share of samples concealed (lost or
 *   late) and time-stretched (NetEq speeding up or slowing down), passed through, re-encoded and,
 *   beside them, for a show published from the browser studio.
 * - OBS's defaults (1080p60 High, 2 B-frames, 6 Mbit/s; sent from a clip encoded beforehand, so the
 *   publisher's own x264 does not share the cores): the re-encode's CPU per gig at the capped size
 *   (1280x720, 30 fps), and the viewer's frame rate and freezes.
 * - Join: a fresh watch page, from its first consume request to its first presented frame, with a
 *   1 s and a 2 s keyframe interval (a passthrough bridge cannot ask OBS for a keyframe).
 * - CPU: the bridge's ffmpeg processes' user+system time over a window, in % of one core.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser.js';
import { startServerProcess, type ServerProcess } from '../tests/support/process.js';
import { fixtures, type Person } from '../tests/support/fixtures.js';
import { OBS_DEFAULTS, RECOMMENDED, prepareClip, publishClip, publishRtmp, type PublisherOptions, type RtmpPublisherProcess } from '../tests/support/rtmp-publisher.js';
import { TRACK_PEER_CONNECTIONS } from '../tests/support/frames.js';
import { between, viewerStats } from '../tests/support/viewer-stats.js';
import { connectRedis } from '../src/lib/server/store.js';
import { collectFor, envInt, joinToFirstFrame, NAME_SHIM, percentile, poll, round, sleep, startCollector, watchFirstFrame, type ClockRead } from './frame-clock.js';
import { beepLatencies, beepsHeard, clockAndBeepInput, startBeepCollector } from './av-clock.js';

const SECONDS = envInt('BENCH_SECONDS', 20);
const JOINS = envInt('BENCH_JOINS', 8);
const CPU_SECONDS = Math.min(10, SECONDS);
const RESULTS = new URL('./results/', import.meta.url);
const READ = { readWidth: 320, readHeight: 180, cols: 8, rows: 4 };
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => round(percentile(sorted(values), 0.5));
const p95 = (values: number[]) => round(percentile(sorted(values), 0.95));
const pct = (share: number) => Math.round(share * 100000) / 1000;

function latencies(reads: ClockRead[]): { values: number[]; rejected: number } {
	const values: number[] = [];
	let rejected = 0;
	for (const { word, at } of reads) {
		const value = Math.floor(word / 256);
		const age = (((at - value) % 0x1000000) + 0x1000000) % 0x1000000; // only the low 24 bits were sent
		if (word % 256 !== 255 - (value % 256) || age > 60_000) rejected++;
		else values.push(age);
	}
	return { values, rejected };
}

async function openWatch(browser: Browser, base: string, gig: string, viewer: Person, initScript = ''): Promise<Page> {
	const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
	await page.context().addCookies([{ name: 'gs_session', value: viewer.token, url: base }]);
	page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));
	await page.addInitScript(NAME_SHIM + TRACK_PEER_CONNECTIONS + initScript);
	await page.goto(`${base}/gigs/${gig}/watch`);
	return page;
}

const hasPicture = (page: Page) => page.evaluate(() => (document.querySelector<HTMLVideoElement>('[data-testid="player"]')?.videoWidth ?? 0) > 0 || null);
const hasSound = (page: Page) => page.evaluate(() => ((document.querySelector<HTMLVideoElement>('[data-testid="player"]')?.srcObject as MediaStream | null)?.getAudioTracks().length ?? 0) > 0 || null);

/** What one viewer sees and hears over SECONDS: picture latency, beep latency, frame rate, freezes and sound quality. */
async function watchShow(browser: Browser, base: string, gig: string, viewer: Person, { clock = true } = {}) {
	const page = await openWatch(browser, base, gig, viewer);
	await poll('the viewer has a picture and sound', 30_000, async () => ((await hasPicture(page)) && (await hasSound(page))) || null);
	if (clock) {
		await page.evaluate(startCollector, READ);
		await page.evaluate(startBeepCollector);
	}
	await sleep(2000); // jitter buffers settle
	const before = await viewerStats(page);
	const reads = clock ? await collectFor(page, 0, SECONDS * 1000) : (await sleep(SECONDS * 1000), []);
	const stats = between(before, await viewerStats(page));
	const beeps = clock ? beepLatencies(await beepsHeard(page)) : [];
	await page.close();
	const picture = latencies(reads);
	return { picture, beeps, stats };
}

function showFigures(show: Awaited<ReturnType<typeof watchShow>>) {
	const { picture, beeps, stats } = show;
	return {
		latency_median_ms: picture.values.length ? median(picture.values) : null,
		latency_p95_ms: picture.values.length ? p95(picture.values) : null,
		frames_read: picture.values.length,
		frames_rejected: picture.rejected,
		sound_latency_median_ms: beeps.length ? median(beeps) : null,
		beeps_heard: beeps.length,
		// Positive: the sound plays after the picture it belongs to.
		sound_after_picture_ms: beeps.length && picture.values.length ? round(median(beeps) - median(picture.values)) : null,
		viewer_fps: round(stats.fps),
		freezes: stats.freezes,
		frozen_seconds: round(stats.freezeSeconds),
		received_size: stats.size,
		sound_concealed_pct: pct(stats.concealed),
		sound_concealment_events: stats.concealmentEvents,
		sound_stretched_pct: pct(stats.stretched)
	};
}

async function measureJoins(browser: Browser, base: string, gig: string, viewer: Person): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < JOINS; i++) {
		const page = await openWatch(browser, base, gig, viewer, `(${watchFirstFrame})();`);
		try {
			times.push(await joinToFirstFrame(page));
		} catch (error) {
			console.warn(`  join ${i + 1} failed: ${error instanceof Error ? error.message : error}`);
		} finally {
			await page.close();
		}
		await sleep(300 + Math.random() * 1000); // joins land anywhere in the keyframe interval
	}
	return times;
}

/** The server's bridge processes (its ffmpeg children writing RTP). */
function bridgePids(serverPid: number): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (ppid === serverPid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('rtp://')) pids.push(Number(entry));
		} catch {
			// gone meanwhile
		}
	}
	return pids;
}

async function cpuTicks(pids: number[]): Promise<number> {
	let ticks = 0;
	for (const pid of pids) {
		const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
		if (!stat) continue;
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
	}
	return ticks;
}

/** % of one core the bridge (all its ffmpeg processes) used over CPU_SECONDS (Linux counts 100 ticks a second). */
async function bridgeCpu(server: ServerProcess): Promise<number> {
	const pids = await poll('the bridge runs', 15_000, async () => (bridgePids(server.pid).length ? bridgePids(server.pid) : null));
	await sleep(2000); // past its start-up
	const [t0, at0] = [await cpuTicks(pids), Date.now()];
	await sleep(CPU_SECONDS * 1000);
	const [t1, at1] = [await cpuTicks(pids), Date.now()];
	return Math.round(((t1 - t0) / 100 / ((at1 - at0) / 1000)) * 1000) / 10;
}

/** Opens the studio with Chromium's fake camera and microphone and goes live. */
async function goLiveInStudio(browser: Browser, base: string, gig: string, creator: Person): Promise<Page> {
	const studio = await browser.newPage({ viewport: { width: 1280, height: 800 } });
	await studio.context().addCookies([{ name: 'gs_session', value: creator.token, url: base }]);
	await studio.goto(`${base}/studio/${gig}`);
	await studio.getByTestId('preview').waitFor();
	await studio.getByTestId('go-live').click();
	await poll('the studio is live', 20_000, async () => ((await studio.getByTestId('broadcast-status').textContent())?.includes('Live') ? true : null));
	return studio;
}

async function main(): Promise<void> {
	let server: ServerProcess | undefined;
	let browser: Browser | undefined;
	const publishers: RtmpPublisherProcess[] = [];
	try {
		console.log('encoding the OBS-defaults clip (once, cached)…');
		const obsClip = await prepareClip(OBS_DEFAULTS, 10);
		server = await startServerProcess({ RTMP_PORT: '0' });
		const port = Number(/rtmp:\/\/[^:]+:(\d+)\//.exec(server.logs.find((l) => l.includes('OBS/RTMP ingest is up')) ?? '')?.[1]);
		if (!port) throw new Error('the server did not start RTMP ingest');
		browser = await launchChromium({ args: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'] });
		const redis = await connectRedis({ socketPath: `${server.dataDir}/redis/redis.sock` });
		const make = fixtures(redis);
		const base = server.url;
		const live = async (publish: (url: string) => RtmpPublisherProcess) => {
			const { gig, viewer, creator } = await make.show({ title: 'RTMP bench' });
			const key = (await redis.hget(`gs:gig:${gig.id}`, 'streamKey'))!;
			const publisher = publish(`rtmp://127.0.0.1:${port}/live/${key}`);
			publishers.push(publisher);
			await poll('the gig is live', 20_000, async () => ((await redis.hget(`gs:gig:${gig.id}`, 'status')) === 'live' ? true : null));
			return { gig: gig.id, viewer, creator, publisher };
		};
		const clocked = (options: PublisherOptions) => (url: string) => publishRtmp(url, { ...options, inputArgs: clockAndBeepInput(), bitrateKbps: 2500 });

		console.log(`passthrough (recommended settings): ${SECONDS} s watched, bridge CPU, ${JOINS} joins with 1 s keyframes…`);
		const pass = await live(clocked(RECOMMENDED));
		const [passShow, cpuPass] = await Promise.all([watchShow(browser, base, pass.gig, pass.viewer), bridgeCpu(server)]);
		if (!passShow.picture.values.length) throw new Error(`no frame read: ${passShow.picture.rejected} failed the check bits`);
		const gop1 = await measureJoins(browser, base, pass.gig, pass.viewer);
		await pass.publisher.stop();

		console.log(`${JOINS} joins with 2 s keyframes…`);
		const two = await live(clocked({ ...RECOMMENDED, keyframeSeconds: 2 }));
		const gop2 = await measureJoins(browser, base, two.gig, two.viewer);
		await two.publisher.stop();

		console.log('re-encoded (recommended settings but profile high): watched, bridge CPU…');
		const trans = await live(clocked({ ...RECOMMENDED, profile: 'high' }));
		const [transShow, cpuTrans] = await Promise.all([watchShow(browser, base, trans.gig, trans.viewer), bridgeCpu(server)]);
		await trans.publisher.stop();

		console.log('OBS defaults (1080p60 High, 2 B-frames, 6 Mbit/s), re-encoded to 720p30: watched, bridge CPU…');
		const obsStarted = Date.now();
		const obs = await live((url) => publishClip(url, obsClip));
		const obsLiveMs = Date.now() - obsStarted;
		const [obsShow, cpuObs] = await Promise.all([watchShow(browser, base, obs.gig, obs.viewer, { clock: false }), bridgeCpu(server)]);
		await obs.publisher.stop();

		console.log('published from the browser studio (for comparison)…');
		const studioShow = await make.show({ title: 'Studio bench' });
		const studio = await goLiveInStudio(browser, base, studioShow.gig.id, studioShow.creator);
		const browserShow = await watchShow(browser, base, studioShow.gig.id, studioShow.viewer, { clock: false });
		await studio.close();
		redis.disconnect();

		const result = {
			passthrough: { ...showFigures(passShow), bridge_cpu_pct: cpuPass },
			reencoded: { ...showFigures(transShow), bridge_cpu_pct: cpuTrans },
			obs_defaults: {
				...showFigures(obsShow),
				bridge_cpu_pct_per_gig: cpuObs,
				publish_to_live_ms: obsLiveMs,
				publisher: { ...OBS_DEFAULTS, encoder: 'libx264 veryfast (no tune)', sent_from: 'a clip encoded beforehand' }
			},
			browser_published: showFigures(browserShow),
			first_frame_ms_gop1: median(gop1),
			first_frame_p95_ms_gop1: p95(gop1),
			first_frame_ms_gop2: median(gop2),
			first_frame_p95_ms_gop2: p95(gop2),
			joins: { gop1: gop1.length, gop2: gop2.length, asked: JOINS },
			publisher: { ...RECOMMENDED, encoder: 'libx264 veryfast zerolatency', audio: 'AAC 128 kbit/s, beeps on each second' },
			seconds: SECONDS,
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => round(l)), platform: `${os.platform()} ${os.release()}`, node: process.version, chromium: browser.version() }
		};
		const line = (name: string, f: ReturnType<typeof showFigures>) =>
			`${name.padEnd(18)} latency ${f.latency_median_ms ?? '-'} ms (p95 ${f.latency_p95_ms ?? '-'})  sound after picture ${f.sound_after_picture_ms ?? '-'} ms  ${f.viewer_fps} fps, ${f.freezes} freezes (${f.frozen_seconds} s)  sound concealed ${f.sound_concealed_pct} %, stretched ${f.sound_stretched_pct} %`;
		console.log(`
${line('passthrough', result.passthrough)}
${line('re-encoded', result.reencoded)}
${line('OBS defaults', result.obs_defaults)}
${line('browser studio', result.browser_published)}
first frame       1 s keyframes: median ${result.first_frame_ms_gop1} ms (p95 ${result.first_frame_p95_ms_gop1});  2 s: median ${result.first_frame_ms_gop2} ms (p95 ${result.first_frame_p95_ms_gop2})
bridge CPU        passthrough ${cpuPass} %, re-encoded 720p30 ${cpuTrans} %, OBS defaults re-encoded to 720p30 ${cpuObs} % (of one core)
machine load      ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
		await mkdir(RESULTS, { recursive: true });
		await writeFile(new URL('rtmp.json', RESULTS), JSON.stringify(result, null, '\t') + '\n');
		console.log(`wrote ${new URL('rtmp.json', RESULTS).pathname}`);
	} catch (error) {
		if (server) console.error(`server log (last 15 lines):\n${server.logs.slice(-15).join('\n')}`);
		throw error;
	} finally {
		await Promise.all(publishers.map((p) => p.stop()));
		await browser?.close().catch(() => {});
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
