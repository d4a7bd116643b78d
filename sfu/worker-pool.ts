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
	logLevel?: 'debug' | 'warn' | 'error' | 'none';
};

/** One mediasoup worker process and the single UDP/TCP port all its WebRTC media uses. */
export type PooledWorker = {
	readonly slot: number;
	readonly worker: Worker;
	readonly webRtcServer: WebRtcServer;
	/** Routers plus transports: a cheap proxy for how much media the worker moves. */
	load: number;
};

const RESPAWN_DELAYS_MS = [0, 250, 1000, 3000];

/**
 * Keeps `workers` mediasoup workers alive. A worker that dies is logged and replaced in the same
 * slot (same port); `onWorkerDied` tells the owner which slot lost its routers.
 */
export class WorkerPool {
	private readonly slots: (PooledWorker | undefined)[];
	private readonly respawning = new Map<number, Promise<PooledWorker>>();
	private closed = false;

	private constructor(
		private readonly options: WorkerPoolOptions,
		private readonly log: Logger,
		private readonly onWorkerDied: (slot: number) => void
	) {
		this.slots = new Array(options.workers).fill(undefined);
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

	/** The live worker with the least load; waits for a replacement when every worker is down. */
	async leastLoaded(): Promise<PooledWorker> {
		let best: PooledWorker | undefined;
		for (const w of this.slots) if (w && !w.worker.died && (!best || w.load < best.load)) best = w;
		if (best) return best;
		const pending = [...this.respawning.values()];
		if (pending.length === 0) throw new Error('no mediasoup worker is running');
		return Promise.any(pending);
	}

	get workers(): readonly PooledWorker[] {
		return this.slots.filter((w): w is PooledWorker => w !== undefined);
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
		for (const w of this.slots) w?.worker.close();
		this.slots.fill(undefined);
	}

	private async spawn(slot: number): Promise<PooledWorker> {
		const mediasoup = await loadMediasoup();
		const worker = await mediasoup.createWorker({ logLevel: this.options.logLevel ?? 'warn' });
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
		const pooled: PooledWorker = { slot, worker, webRtcServer, load: 0 };
		worker.observer.on('newrouter', (router) => {
			pooled.load++;
			router.observer.on('close', () => pooled.load--);
			router.observer.on('newtransport', (transport) => {
				pooled.load++;
				transport.observer.on('close', () => pooled.load--);
			});
		});
		worker.on('died', (error) => this.handleDeath(slot, worker, error));
		this.log.info({ slot, pid: worker.pid, port: port ?? 'auto' }, 'mediasoup worker started');
		return pooled;
	}

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
