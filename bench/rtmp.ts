/**
 * OBS/RTMP ingest through the real product: an ffmpeg publisher with the OBS settings the
 * credentials page recommends (x264 veryfast, tune zerolatency, profile main, B-frames 0, 1 s
 * keyframes, CBR 2500 kbit/s, AAC) -> node-media-server -> ffmpeg bridge -> mediasoup -> a ticket
 * holder's watch page in Chromium. Run: `npm run bench:rtmp` (env BENCH_SECONDS, BENCH_JOINS).
 *
 * Latency: the publishing ffmpeg stamps each frame with the wall clock as it leaves its source
 * (setpts=RTCTIME, after a `realtime` filter paces it) and paints the low 24 bits of that
 * millisecond time plus 8 check bits as 32 black/white blocks; the viewer reads them back off
 * every frame it presents (requestVideoFrameCallback) and subtracts from Date.now(). Publisher
 * and browser share this machine's clock, so the figure is capture -> encode -> RTMP -> bridge ->
 * SFU -> decode -> present, with nothing of a camera or display. The watch page plays sound and
 * picture lip-synced, so video also waits for audio's jitter buffer, as for real viewers.
 *
 * Join: a fresh watch page, from its first consume request to its first presented frame, with a
 * 1 s and a 2 s keyframe interval (a passthrough bridge cannot ask OBS for a keyframe).
 * CPU: the bridge ffmpeg's user+system time over a window, in % of one core.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../tests/support/browser.js';
import { startServerProcess, type ServerProcess } from '../tests/support/process.js';
import { fixtures, type Person } from '../tests/support/fixtures.js';
import { publishRtmp, type PublisherOptions, type RtmpPublisherProcess } from '../tests/support/rtmp-publisher.js';
import { connectRedis } from '../src/lib/server/store.js';
import { collectFor, envInt, joinToFirstFrame, NAME_SHIM, percentile, poll, round, sleep, startCollector, watchFirstFrame, type ClockRead } from './frame-clock.js';

const SECONDS = envInt('BENCH_SECONDS', 20);
const JOINS = envInt('BENCH_JOINS', 8);
const CPU_SECONDS = 10;
const RESULTS = new URL('./results/', import.meta.url);
const OBS: PublisherOptions = { profile: 'main', bframes: 0, keyframeSeconds: 1, fps: 30, bitrateKbps: 2500 };
// 8x4 blocks painted at 8x4 pixels, scaled up to 1280x720 (160x180 px each); temporal noise on top
// so x264 has real work and frames are as big as a camera's at this bitrate.
const CLOCK_SOURCE = [
	'color=c=black:s=8x4:r=30', 'realtime', 'settb=1/1000', 'setpts=RTCTIME/1000', 'format=yuv444p',
	"geq=lum='st(0,mod(floor(T*1000),16777216));st(1,ld(0)*256+255-mod(ld(0),256));if(mod(floor(ld(1)/pow(2,31-(Y*8+X))),2),235,16)':cb=128:cr=128",
	'setpts=N/(30*TB)', 'scale=1280:720:flags=neighbor', 'noise=alls=12:allf=t', 'format=yuv420p'
].join(',');
const READ = { readWidth: 320, readHeight: 180, cols: 8, rows: 4 };

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

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
	await page.addInitScript(NAME_SHIM + initScript);
	await page.goto(`${base}/gigs/${gig}/watch`);
	return page;
}

const hasPicture = (page: Page) => page.evaluate(() => (document.querySelector<HTMLVideoElement>('[data-testid="player"]')?.videoWidth ?? 0) > 0 || null);

async function measureLatency(browser: Browser, base: string, gig: string, viewer: Person): Promise<{ values: number[]; frames: number; rejected: number }> {
	const page = await openWatch(browser, base, gig, viewer);
	await poll('the viewer has a picture', 20_000, () => hasPicture(page));
	await page.evaluate(startCollector, READ);
	const reads = await collectFor(page, 2000, SECONDS * 1000);
	await page.close();
	return { ...latencies(reads), frames: reads.length };
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

/** The server's bridge ffmpeg (its child that writes RTP). */
function bridgePid(serverPid: number): number | null {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = procStat(entry);
			if (stat.ppid === serverPid && stat.cmdline.includes('rtp://')) return Number(entry);
		} catch {
			// gone meanwhile
		}
	}
	return null;
}

function procStat(pid: string): { ppid: number; cmdline: string } {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return { ppid: Number(fields[1]), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') };
}

async function cpuTicks(pid: number): Promise<number> {
	const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return Number(fields[11]) + Number(fields[12]); // utime + stime
}

/** % of one core the bridge used over CPU_SECONDS (Linux counts 100 ticks a second). */
async function bridgeCpu(server: ServerProcess): Promise<number> {
	const pid = await poll('the bridge runs', 15_000, async () => bridgePid(server.pid));
	await sleep(2000); // past its start-up
	const [t0, at0] = [await cpuTicks(pid), Date.now()];
	await sleep(CPU_SECONDS * 1000);
	const [t1, at1] = [await cpuTicks(pid), Date.now()];
	return Math.round(((t1 - t0) / 100 / ((at1 - at0) / 1000)) * 1000) / 10;
}

async function main(): Promise<void> {
	let server: ServerProcess | undefined;
	let browser: Browser | undefined;
	const publishers: RtmpPublisherProcess[] = [];
	try {
		server = await startServerProcess({ RTMP_PORT: '0' });
		const port = Number(/rtmp:\/\/[^:]+:(\d+)\//.exec(server.logs.find((l) => l.includes('OBS/RTMP ingest is up')) ?? '')?.[1]);
		if (!port) throw new Error('the server did not start RTMP ingest');
		browser = await launchChromium({ args: ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'] });
		const redis = await connectRedis({ socketPath: `${server.dataDir}/redis/redis.sock` });
		const make = fixtures(redis);
		const base = server.url;
		const live = async (options: PublisherOptions) => {
			const { gig, viewer } = await make.show({ title: 'RTMP bench' });
			const key = (await redis.hget(`gs:gig:${gig.id}`, 'streamKey'))!;
			const publisher = publishRtmp(`rtmp://127.0.0.1:${port}/live/${key}`, { videoSource: CLOCK_SOURCE, ...options });
			publishers.push(publisher);
			await poll('the gig is live', 20_000, async () => ((await redis.hget(`gs:gig:${gig.id}`, 'status')) === 'live' ? true : null));
			return { gig: gig.id, viewer, publisher };
		};

		console.log(`passthrough (OBS settings): ${SECONDS} s of latency, bridge CPU, ${JOINS} joins with 1 s keyframes…`);
		const pass = await live(OBS);
		const [latency, cpuPass] = await Promise.all([measureLatency(browser, base, pass.gig, pass.viewer), bridgeCpu(server)]);
		if (!latency.values.length) throw new Error(`no frame read: ${latency.frames} frames, ${latency.rejected} failed the check bits`);
		const gop1 = await measureJoins(browser, base, pass.gig, pass.viewer);
		await pass.publisher.stop();

		console.log(`${JOINS} joins with 2 s keyframes…`);
		const two = await live({ ...OBS, keyframeSeconds: 2 });
		const gop2 = await measureJoins(browser, base, two.gig, two.viewer);
		await two.publisher.stop();

		console.log('transcode (High profile, re-encoded to VP8): latency and bridge CPU…');
		const trans = await live({ ...OBS, profile: 'high' });
		const [latencyTrans, cpuTrans] = await Promise.all([measureLatency(browser, base, trans.gig, trans.viewer), bridgeCpu(server)]);
		await trans.publisher.stop();
		redis.disconnect();

		const sorted = [...latency.values].sort((a, b) => a - b);
		const sortedTrans = [...latencyTrans.values].sort((a, b) => a - b);
		const result = {
			samples: sorted.length,
			median_ms: round(percentile(sorted, 0.5)),
			p95_ms: round(percentile(sorted, 0.95)),
			p99_ms: round(percentile(sorted, 0.99)),
			min_ms: round(sorted[0]!),
			max_ms: round(sorted.at(-1)!),
			rejected_frames: latency.rejected,
			first_frame_ms_gop1: round(median(gop1)),
			first_frame_p95_ms_gop1: round(percentile([...gop1].sort((a, b) => a - b), 0.95)),
			first_frame_ms_gop2: round(median(gop2)),
			first_frame_p95_ms_gop2: round(percentile([...gop2].sort((a, b) => a - b), 0.95)),
			joins: { gop1: gop1.length, gop2: gop2.length, asked: JOINS },
			bridge_cpu_pct_passthrough: cpuPass,
			bridge_cpu_pct_transcode: cpuTrans,
			transcode_median_ms: round(percentile(sortedTrans, 0.5)),
			transcode_p95_ms: round(percentile(sortedTrans, 0.95)),
			publisher: { ...OBS, encoder: 'libx264 veryfast zerolatency', size: '1280x720', audio: 'AAC 128 kbit/s' },
			seconds: SECONDS,
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, node: process.version, chromium: browser.version() }
		};
		console.log(`
latency     passthrough: median ${result.median_ms} ms  p95 ${result.p95_ms} ms  (${result.samples} frames, ${latency.rejected} rejected)
            transcode:   median ${result.transcode_median_ms} ms  p95 ${result.transcode_p95_ms} ms
first frame 1 s keyframes: median ${result.first_frame_ms_gop1} ms  p95 ${result.first_frame_p95_ms_gop1} ms
            2 s keyframes: median ${result.first_frame_ms_gop2} ms  p95 ${result.first_frame_p95_ms_gop2} ms
bridge CPU  passthrough ${cpuPass} %   transcode ${cpuTrans} %  (of one core)`);
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
