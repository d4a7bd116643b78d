import type { Worker } from 'mediasoup/node/lib/Worker';
import type { WebRtcServer } from 'mediasoup/node/lib/WebRtcServer';
import type { Logger } from 'pino';
import { loadMediasoup } from './mediasoup.js';

export type WorkerPoolOptions = {
	workers: number;
	listenIp: string;
	announcedAddress?: string;
	/** Worker N listens on basePort + N; 0 lets each worker choose a free port. */
	basePort: number;
	/** Ports for PlainTransports and PipeTransports (RTMP bridges, pipes between nodes); mediasoup's own range if unset. */
	portRange?: { min: number; max: number };
	logLevel?: 'debug' | 'warn' | 'error' | 'none';
};

/** One mediasoup worker process and the single UDP/TCP port all its WebRTC media uses. */
export type PooledWorker = {
	readonly slot: number;
	readonly worker: Worker;
	readonly webRtcServer: WebRtcServer;
	/** What the worker carries now, counted from mediasoup's observer events. */
	readonly counts: WorkerCounts;
	/** Consumers promised to viewers placed here whose consume requests are still on their way. */
	pending: number;
	/** Share of one core the worker used over the last sample (0-1+). */
	cpu: number;
};

export type WorkerCounts = { routers: number; transports: number; producers: number; consumers: number };

// How often each worker's CPU time is read for placement and metrics.
const CPU_SAMPLE_MS = 2000;

const RESPAWN_DELAYS_MS = [0, 250, 1000, 3000];

/**
 * Keeps `workers` mediasoup workers alive. A worker that dies is logged and replaced in the same
 * slot (same port); `onWorkerDied` tells the owner which slot lost its routers.
 */
export class WorkerPool {
	private readonly slots: (PooledWorker | undefined)[];
	private readonly respawning = new Map<number, Promise<PooledWorker>>();
	private closed = false;
	private readonly cpuTimer: ReturnType<typeof setInterval>;

	private constructor(
		private readonly options: WorkerPoolOptions,
		private readonly log: Logger,
		private readonly onWorkerDied: (slot: number) => void
	) {
		this.slots = new Array(options.workers).fill(undefined);
		this.cpuTimer = setInterval(() => void this.sampleCpu(), CPU_SAMPLE_MS);
		this.cpuTimer.unref();
	}

	static async start(options: WorkerPoolOptions, log: Logger, onWorkerDied: (slot: number) => void): Promise<WorkerPool> {
		const pool = new WorkerPool(options, log, onWorkerDied);
		try {
			for (let slot = 0; slot < options.workers; slot++) pool.slots[slot] = await pool.spawn(slot);
		} catch (error) {
			await pool.close();
			throw error;
		}
		return pool;
	}

	get workers(): readonly PooledWorker[] {
		return this.slots.filter((w): w is PooledWorker => w !== undefined);
	}

	/** The workers running now; waits for a replacement when every worker is down. */
	async running(): Promise<PooledWorker[]> {
		const up = this.workers.filter((w) => !w.worker.died);
		if (up.length) return up;
		const pending = [...this.respawning.values()];
		if (pending.length === 0) throw new Error('no mediasoup worker is running');
		return [await Promise.any(pending)];
	}

	/** Resolves once the worker in `slot` is up again (immediately if it never died). */
	async ready(slot: number): Promise<PooledWorker> {
		const pending = this.respawning.get(slot);
		if (pending) return pending;
		const w = this.slots[slot];
		if (!w) throw new Error(`no worker in slot ${slot}`);
		return w;
	}

	async close(): Promise<void> {
		this.closed = true;
		clearInterval(this.cpuTimer);
		for (const w of this.slots) w?.worker.close();
		this.slots.fill(undefined);
	}

	private async spawn(slot: number): Promise<PooledWorker> {
		const mediasoup = await loadMediasoup();
		const range = this.options.portRange;
		const worker = await mediasoup.createWorker({ logLevel: this.options.logLevel ?? 'warn', rtcMinPort: range?.min, rtcMaxPort: range?.max });
		const port = this.options.basePort === 0 ? undefined : this.options.basePort + slot;
		const listen = { ip: this.options.listenIp, announcedIp: this.options.announcedAddress, port };
		let webRtcServer: WebRtcServer;
		try {
			webRtcServer = await worker.createWebRtcServer({
				listenInfos: [
					{ protocol: 'udp', ...listen },
					{ protocol: 'tcp', ...listen }
				]
			});
		} catch (error) {
			worker.close();
			throw new Error(`mediasoup worker ${slot} could not listen on ${this.options.listenIp}:${port ?? 'any'}: ${String(error)}`);
		}
		const pooled: PooledWorker = { slot, worker, webRtcServer, counts: countObjects(worker), pending: 0, cpu: 0 };
		worker.on('died', (error) => this.handleDeath(slot, worker, error));
		this.log.info({ slot, pid: worker.pid, port: port ?? 'auto' }, 'mediasoup worker started');
		return pooled;
	}

	/** CPU share of each worker since the last sample, from its own rusage. */
	private async sampleCpu(): Promise<void> {
		await Promise.all(
			this.workers.map(async (w) => {
				if (w.worker.died || w.worker.closed) return;
				const usage = await w.worker.getResourceUsage().catch(() => null);
				if (!usage) return;
				const at = performance.now();
				const used = usage.ru_utime + usage.ru_stime;
				const last = this.lastCpu.get(w);
				if (last && at > last.at) w.cpu = (used - last.used) / (at - last.at);
				this.lastCpu.set(w, { used, at });
			})
		);
	}

	private readonly lastCpu = new WeakMap<PooledWorker, { used: number; at: number }>();

	private handleDeath(slot: number, worker: Worker, error: Error): void {
		this.log.error({ slot, pid: worker.pid, err: error.message }, 'mediasoup worker died; replacing it');
		this.slots[slot] = undefined;
		if (this.closed) return;
		const respawn = this.respawn(slot);
		this.respawning.set(slot, respawn);
		respawn.finally(() => this.respawning.delete(slot)).catch(() => {});
		this.onWorkerDied(slot);
	}

	private async respawn(slot: number): Promise<PooledWorker> {
		let lastError: unknown;
		for (const delay of RESPAWN_DELAYS_MS) {
			if (delay) await new Promise((r) => setTimeout(r, delay));
			if (this.closed) break;
			try {
				const pooled = await this.spawn(slot);
				this.slots[slot] = pooled;
				return pooled;
			} catch (error) {
				lastError = error;
				this.log.warn({ slot, err: String(error) }, 'mediasoup worker respawn failed; retrying');
			}
		}
		this.log.fatal({ slot, err: String(lastError) }, 'mediasoup worker could not be replaced');
		throw lastError ?? new Error('worker pool closed');
	}
}

/** Live counts of a worker's routers, transports, producers and consumers. */
function countObjects(worker: Worker): WorkerCounts {
	const counts: WorkerCounts = { routers: 0, transports: 0, producers: 0, consumers: 0 };
	const track = (kind: keyof WorkerCounts, observer: { on(event: 'close', fn: () => void): unknown }) => {
		counts[kind]++;
		observer.on('close', () => counts[kind]--);
	};
	worker.observer.on('newrouter', (router) => {
		track('routers', router.observer);
		router.observer.on('newtransport', (transport) => {
			track('transports', transport.observer);
			transport.observer.on('newproducer', (producer) => track('producers', producer.observer));
			transport.observer.on('newconsumer', (consumer) => track('consumers', consumer.observer));
		});
	});
	return counts;
}
