/**
 * One gig's fan-out: how many viewers one mediasoup worker, then every worker of this machine,
 * carries with the creator's stream still arriving whole and real receivers under 150 ms p95, and
 * what a pipe hop to an edge router adds. Run: `npm run bench:fanout`.
 *
 * The publisher is the real studio page in Chromium, sending 720p simulcast (three layers) with
 * the painted clock of bench/latency.ts as its camera. Viewers are added in steps: most are
 * server-side consumers on SRTP PlainTransports sending to a loopback sink (bench/plain-viewers.ts),
 * placed by the same placement as browsers; BENCH_RECEIVERS real WebRTC receivers (libwebrtc via
 * @roamhq/wrtc, bench/wrtc-receiver.ts) measure glass-to-glass latency off the painted clock
 * throughout. A step records consumers and CPU per worker, the producer's packet intake (which must
 * stay whole: at most 1 % of what the publisher sent lost on the way in, the sign of a worker that
 * cannot keep up; and the publisher's rate at least 90 % of its rate without a crowd, the sign of a
 * browser that lowered its own rate, starved of CPU or told by congestion control) and the
 * receivers' latency. A run stops at
 * the first step that breaks either limit, or at BENCH_MAX_VIEWERS.
 *
 * Env: BENCH_MAX_VIEWERS (600), BENCH_STEP (50), BENCH_STEP_SECONDS (8), BENCH_RECEIVERS (10),
 * BENCH_WORKERS (this machine's cores). Writes bench/results/fanout.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../server/config.js';
import { createServer, type GigstageServer } from '../server/app.js';
import { loadBuiltWebApp } from '../server/web-app.js';
import { connectRedis } from '../src/lib/server/store.js';
import { launchChromium } from '../tests/support/browser.js';
import { fixtures } from '../tests/support/fixtures.js';
import type { GigRoom } from '../sfu/gig-room.js';
import { envInt, goLive, percentile, round, sleep } from './frame-clock.js';
import { startReceiver, type Receiver } from './wrtc-receiver.js';
import { measurePipeHop, PlainViewers, startSink, type Sink } from './plain-viewers.js';

const MAX_VIEWERS = envInt('BENCH_MAX_VIEWERS', 600);
const STEP = envInt('BENCH_STEP', 50);
const STEP_SECONDS = envInt('BENCH_STEP_SECONDS', 8);
const RECEIVERS = envInt('BENCH_RECEIVERS', 10);
const ALL_WORKERS = envInt('BENCH_WORKERS', os.availableParallelism());
const SETTLE_MS = 2000;
const P95_LIMIT_MS = 150;
const INTAKE_WHOLE = 0.99; // of the packets the publisher sent, at most 1 % lost on the way in
const RATE_KEPT = 0.9; // and the publisher still sends at least 90 % of its packet rate without a crowd (a browser's rate varies a few %)
const RESULTS = new URL('./results/', import.meta.url);

type Step = {
	viewers: number;
	consumers_per_worker: number[];
	worker_cpu_percent: number[];
	intake_pps: number;
	intake_ratio: number;
	rate_ratio: number;
	latency_median_ms: number | null;
	latency_p95_ms: number | null;
	latency_samples: number;
	ok: boolean;
};
type Run = { workers: number; consumers_per_worker_budget: number; steps: Step[]; largest_ok_viewers: number; stopped_by: string; pipe_hop?: Awaited<ReturnType<typeof measurePipeHop>> };

/** One running server (in this process: the crowd is made through its media plane) with a live show and receivers. */
type Stage = { server: GigstageServer; url: string; room: GigRoom; videoId: string; audioId: string; receivers: Receiver[]; close(): Promise<void> };

async function openStage(browser: Browser, workers: number, budget: number): Promise<Stage> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-fanout-'));
	const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', RTMP_ENABLED: 'false', MEDIASOUP_WORKERS: String(workers), CONSUMERS_PER_WORKER: String(budget), DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
	const log = pino({ level: 'warn' });
	const server = await createServer(config, log, await loadBuiltWebApp(config));
	const url = `http://127.0.0.1:${await server.listen()}`;
	const redis = await connectRedis({ socketPath: path.join(dataDir, 'redis', 'redis.sock') });
	const made = await fixtures(redis).show({ title: 'Fan-out bench' });
	redis.disconnect();
	const studio = await goLive(browser, url, { gig: made.gig.id, creator: made.creator, viewer: made.viewer });
	const room = server.sfu.existingRoom(made.gig.id)!;
	const tracks = room.producers();
	const videoId = tracks.find((t) => t.kind === 'video')!.id;
	const audioId = tracks.find((t) => t.kind === 'audio')!.id;
	const receivers: Receiver[] = [];
	for (let i = 0; i < RECEIVERS; i++) receivers.push(await startReceiver(url, made.viewer.cookie, made.gig.id));
	return {
		server,
		url,
		room,
		videoId,
		audioId,
		receivers,
		async close() {
			for (const r of receivers) r.close();
			await studio.close().catch(() => {});
			await server.close();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/**
 * Producer packets received so far, and lost on the way in (gaps in the sequence numbers), over
 * every simulcast layer. A worker that cannot keep up loses packets before it reads them; a
 * publisher that sends less (a browser lowering its rate when its own CPU is short) loses none.
 */
async function intake(room: GigRoom, producerId: string): Promise<{ packets: number; lost: number }> {
	const stats = (await room.localProducer(producerId)!.producer.getStats()) as { packetCount?: number; packetsLost?: number }[];
	return { packets: stats.reduce((sum, s) => sum + (s.packetCount ?? 0), 0), lost: stats.reduce((sum, s) => sum + (s.packetsLost ?? 0), 0) };
}

async function cpuTimes(server: GigstageServer): Promise<number[]> {
	return Promise.all(server.sfu.workers.map(async (w) => {
		const usage = await w.worker.getResourceUsage();
		return usage.ru_utime + usage.ru_stime;
	}));
}

/** Measures one step for STEP_SECONDS, after the crowd settles. */
async function measure(stage: Stage, viewers: number, baselinePps: number | null): Promise<Step> {
	await sleep(SETTLE_MS);
	for (const r of stage.receivers) {
		r.latencies = [];
		r.collecting = true;
	}
	const [cpu0, packets0, t0] = [await cpuTimes(stage.server), await intake(stage.room, stage.videoId), performance.now()];
	await sleep(STEP_SECONDS * 1000);
	const [cpu1, packets1, t1] = [await cpuTimes(stage.server), await intake(stage.room, stage.videoId), performance.now()];
	for (const r of stage.receivers) r.collecting = false;
	const latencies = stage.receivers.flatMap((r) => r.latencies).sort((a, b) => a - b);
	const received = packets1.packets - packets0.packets;
	const lost = Math.max(0, packets1.lost - packets0.lost);
	const intakePps = (received * 1000) / (t1 - t0);
	const ratio = received + lost > 0 ? received / (received + lost) : 0;
	const rateRatio = baselinePps ? intakePps / baselinePps : 1;
	const p95 = latencies.length ? percentile(latencies, 0.95) : null;
	return {
		viewers,
		consumers_per_worker: stage.server.sfu.workers.map((w) => w.counts.consumers),
		worker_cpu_percent: cpu1.map((c, i) => round(((c - cpu0[i]!) / (t1 - t0)) * 100)),
		intake_pps: round(intakePps),
		intake_ratio: Math.round(ratio * 1000) / 1000,
		rate_ratio: Math.round(rateRatio * 1000) / 1000,
		latency_median_ms: latencies.length ? round(percentile(latencies, 0.5)) : null,
		latency_p95_ms: p95 === null ? null : round(p95),
		latency_samples: latencies.length,
		ok: ratio >= INTAKE_WHOLE && rateRatio >= RATE_KEPT && p95 !== null && p95 < P95_LIMIT_MS
	};
}

async function run(browser: Browser, sink: Sink, workers: number, budget: number): Promise<Run> {
	console.log(`\n${workers} worker(s), a worker takes new viewers up to ${budget} consumers:`);
	const stage = await openStage(browser, workers, budget);
	try {
		const crowd = new PlainViewers(stage.room, [stage.videoId, stage.audioId], sink.port);
		const steps: Step[] = [];
		const baseline = await measure(stage, RECEIVERS, null);
		steps.push(baseline);
		print(baseline);
		let stoppedBy = `reached BENCH_MAX_VIEWERS (${MAX_VIEWERS})`;
		while (RECEIVERS + crowd.size < MAX_VIEWERS) {
			await crowd.add(Math.min(STEP, MAX_VIEWERS - RECEIVERS - crowd.size));
			const step = await measure(stage, RECEIVERS + crowd.size, baseline.intake_pps);
			steps.push(step);
			print(step);
			if (!step.ok) {
				stoppedBy =
					step.intake_ratio < INTAKE_WHOLE
						? `the producer lost ${round((1 - step.intake_ratio) * 100)} % of its packets`
						: step.rate_ratio < RATE_KEPT
							? `the publisher's rate fell to ${Math.round(step.rate_ratio * 100)} %`
							: `receivers' p95 reached ${step.latency_p95_ms} ms`;
				break;
			}
		}
		const largest = [...steps].reverse().find((s) => s.ok)?.viewers ?? 0;
		const result: Run = { workers, consumers_per_worker_budget: budget, steps, largest_ok_viewers: largest, stopped_by: stoppedBy };
		const routers = stage.room.routerList;
		const origin = stage.room.localProducer(stage.audioId)!.router;
		const edge = routers.find((r) => r !== origin);
		if (edge) result.pipe_hop = await measurePipeHop(origin, edge, stage.audioId, 5000);
		return result;
	} finally {
		await stage.close();
	}
}

function print(s: Step): void {
	const latency = s.latency_p95_ms === null ? 'no frames' : `${s.latency_median_ms} / ${s.latency_p95_ms} ms`;
	console.log(`  ${String(s.viewers).padStart(5)} viewers  consumers ${s.consumers_per_worker.join('+')}  cpu ${s.worker_cpu_percent.join('+')} %  intake ${s.intake_pps} pps (${Math.round(s.rate_ratio * 100)} % of the rate, ${round(s.intake_ratio * 100)} % whole)  latency median/p95 ${latency}  ${s.ok ? 'ok' : 'OVER'}`);
}

/**
 * CPU share of one core per consumer, from every step of the one-worker run (least squares through
 * its points): what a consumer costs the worker holds whether or not the step stayed within limits.
 */
function cpuPerConsumer(steps: Step[]): number {
	const points = steps.map((s) => ({ x: s.consumers_per_worker[0]!, y: s.worker_cpu_percent[0]! / 100 }));
	const n = points.length;
	if (n < 2) return NaN;
	const [sx, sy] = [points.reduce((a, p) => a + p.x, 0), points.reduce((a, p) => a + p.y, 0)];
	const sxy = points.reduce((a, p) => a + p.x * p.y, 0);
	const sxx = points.reduce((a, p) => a + p.x * p.x, 0);
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

async function main(): Promise<void> {
	if (!existsSync(new URL('../build/handler.js', import.meta.url))) {
		console.log('building the web app first…');
		execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', cwd: new URL('..', import.meta.url).pathname });
	}
	const loadBefore = os.loadavg();
	const args = ['--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'];
	const browser = await launchChromium({ args });
	const sink = await startSink();
	try {
		const one = await run(browser, sink, 1, 100_000);
		const oneConsumers = one.steps.filter((s) => s.ok).at(-1)?.consumers_per_worker[0] ?? 0;
		// Every worker: a worker takes new viewers of the gig up to what one worker carried (a little less).
		const budget = Math.max(2, Math.floor(oneConsumers * 0.9));
		const all = ALL_WORKERS > 1 ? await run(browser, sink, ALL_WORKERS, budget) : null;
		const perConsumer = cpuPerConsumer(one.steps);
		const consumersPerViewer = 2; // video and sound
		const consumersPerCore = Number.isFinite(perConsumer) && perConsumer > 0 ? Math.floor(1 / perConsumer) : oneConsumers;
		const cores10k = Math.ceil((10_000 * consumersPerViewer) / (consumersPerCore * 0.8)); // 80 % of each core
		const result = {
			viewers_one_worker: one.largest_ok_viewers,
			viewers_all_workers: all?.largest_ok_viewers ?? one.largest_ok_viewers,
			all_workers_vs_one: all && one.largest_ok_viewers ? Math.round((all.largest_ok_viewers / one.largest_ok_viewers) * 100) / 100 : null,
			consumers_per_core: consumersPerCore,
			cpu_per_consumer_percent: Number.isFinite(perConsumer) ? Math.round(perConsumer * 100 * 1000) / 1000 : null,
			pipe_hop_ms: all?.pipe_hop?.median_ms ?? null,
			pipe_hop_p95_ms: all?.pipe_hop?.p95_ms ?? null,
			projection_10k_viewers: { consumers: 10_000 * consumersPerViewer, cores_at_80_percent: cores10k, nodes_of_16_cores: Math.ceil(cores10k / 16) },
			limits: { latency_p95_ms: P95_LIMIT_MS, intake_ratio: INTAKE_WHOLE, rate_ratio: RATE_KEPT },
			settings: { max_viewers: MAX_VIEWERS, step: STEP, step_seconds: STEP_SECONDS, receivers: RECEIVERS, receiver_layer: 0, crowd: 'SRTP PlainTransport consumers of video (top layer) and sound' },
			runs: all ? [one, all] : [one],
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, load_before: loadBefore.map((l) => round(l)), load_after: os.loadavg().map((l) => round(l)), platform: `${os.platform()} ${os.release()}`, node: process.version, chromium: browser.version() }
		};
		console.log(`
one worker    ${result.viewers_one_worker} viewers (${one.stopped_by})
all workers   ${result.viewers_all_workers} viewers on ${ALL_WORKERS} (${all?.stopped_by ?? 'one worker only'}): ${result.all_workers_vs_one ?? '-'}x
per core      ${result.consumers_per_core} consumers (${result.cpu_per_consumer_percent} % of a core each)
pipe hop      median ${result.pipe_hop_ms} ms, p95 ${result.pipe_hop_p95_ms} ms
10,000 viewers: ${result.projection_10k_viewers.cores_at_80_percent} cores, ${result.projection_10k_viewers.nodes_of_16_cores} nodes of 16 cores`);
		await mkdir(RESULTS, { recursive: true });
		await writeFile(new URL('fanout.json', RESULTS), JSON.stringify(result, null, '\t') + '\n');
		console.log(`wrote ${new URL('fanout.json', RESULTS).pathname}`);
	} finally {
		sink.stop();
		await browser.close().catch(() => {});
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		process.exit(1);
	}
);
