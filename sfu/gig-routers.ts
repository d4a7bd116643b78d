import type { Router } from 'mediasoup/node/lib/Router';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Logger } from 'pino';
import { mediaCodecs } from './media-codecs.js';
import type { PooledWorker } from './worker-pool.js';

/**
 * One gig's routers on this node: at most one per worker (mediasoup 3.12's `pipeToRouter`
 * between two routers of one worker fails, the piped producer keeping its id), and the pipes that
 * feed a producer from the router it lives in to the routers its viewers are on.
 */
export class GigRouters {
	private readonly bySlot = new Map<number, Promise<Router>>();
	private readonly live = new Map<number, Router>();
	// One pipe per (producer, router), shared by every viewer asking at once.
	private readonly pipes = new Map<string, Promise<void>>();
	private closing = false;

	constructor(
		readonly gigId: string,
		private readonly log: Logger
	) {}

	/** Slots (workers) that carry this gig, or are about to. */
	get slots(): ReadonlySet<number> {
		return new Set(this.bySlot.keys());
	}

	get routers(): Router[] {
		return [...this.live.values()];
	}

	get pipeCount(): number {
		return this.pipes.size;
	}

	/** The gig's router on `worker`, created the first time. */
	on(worker: PooledWorker): Promise<Router> {
		let router = this.bySlot.get(worker.slot);
		if (!router) {
			router = this.create(worker);
			this.bySlot.set(worker.slot, router);
			router.catch(() => this.bySlot.delete(worker.slot));
		}
		return router;
	}

	/**
	 * Makes `producer`, living in `home`, consumable in `target`. Resolves once the pipe's producer
	 * exists there; a failed or closed pipe is built again by the next caller.
	 */
	feed(producer: Producer, home: Router, target: Router): Promise<void> {
		if (home === target) return Promise.resolve();
		const key = `${producer.id}>${target.id}`;
		let pipe = this.pipes.get(key);
		if (!pipe) {
			pipe = home.pipeToRouter({ producerId: producer.id, router: target, enableSctp: false }).then(({ pipeProducer }) => {
				if (!pipeProducer) throw new Error('no pipe producer');
				pipeProducer.observer.once('close', () => this.pipes.delete(key));
				this.log.debug({ gigId: this.gigId, producerId: producer.id, from: home.appData.slot, to: target.appData.slot }, 'producer piped to an edge router');
			});
			this.pipes.set(key, pipe);
			pipe.catch(() => this.pipes.get(key) === pipe && this.pipes.delete(key));
		}
		return pipe;
	}

	/** Closes one router the gig no longer needs there (no viewer, nothing living in it). */
	closeRouter(router: Router): void {
		const slot = router.appData.slot as number;
		if (this.live.get(slot) !== router) return;
		this.forget(slot);
		router.close();
		this.log.debug({ gigId: this.gigId, slot }, 'edge router closed');
	}

	close(): void {
		this.closing = true;
		for (const router of this.live.values()) router.close();
		this.live.clear();
		this.bySlot.clear();
		this.pipes.clear();
	}

	/** True while the room closes its routers itself (as opposed to losing them with a worker). */
	get closingAll(): boolean {
		return this.closing;
	}

	private async create(worker: PooledWorker): Promise<Router> {
		const router = await worker.worker.createRouter({ mediaCodecs, appData: { gigId: this.gigId, slot: worker.slot } });
		if (this.closing) {
			router.close();
			throw new Error('gig room closed');
		}
		this.live.set(worker.slot, router);
		// Lost with its worker (or closed as idle): the next transport there gets a new router.
		router.observer.once('close', () => this.live.get(worker.slot) === router && this.forget(worker.slot));
		this.log.info({ gigId: this.gigId, slot: worker.slot, pid: worker.worker.pid }, 'gig router created');
		return router;
	}

	private forget(slot: number): void {
		this.live.delete(slot);
		this.bySlot.delete(slot);
	}
}
