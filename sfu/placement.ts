import type { PooledWorker } from './worker-pool.js';

/** Consumers promised to one placed viewer, handed back as they materialise or when the viewer goes. */
export type Reservation = {
	/** One promised consumer now exists (it counts as a consumer from here on). */
	taken(): void;
	/** Gives back whatever is still promised. */
	release(): void;
};

// A viewer who never consumes (closed the tab mid-join) stops holding room after this long.
const RESERVATION_MS = 15_000;

/**
 * Where a gig's next transport on this node goes: a worker already carrying the gig while it is
 * under its consumer budget (fewer routers, fewer pipes), else the least-loaded worker. Load counts
 * consumers that exist and those promised to viewers still joining, so a crowd arriving at once
 * does not all land on one worker before its numbers catch up; nobody is refused when every
 * worker is over budget, they go where the load is least.
 */
export class Placement {
	constructor(readonly consumersPerWorker: number) {}

	choose(workers: readonly PooledWorker[], gigSlots: ReadonlySet<number>): PooledWorker {
		if (workers.length === 0) throw new Error('no mediasoup worker is running');
		const sticky = workers.filter((w) => gigSlots.has(w.slot) && this.booked(w) < this.consumersPerWorker);
		return leastBy(sticky.length ? sticky : workers, (w) => this.load(w));
	}

	/** Holds room for `consumers` on `worker` until they exist, the viewer leaves, or the hold times out. */
	reserve(worker: PooledWorker, consumers: number): Reservation {
		let left = Math.max(0, consumers);
		worker.pending += left;
		const giveBack = (n: number) => {
			const back = Math.min(n, left);
			left -= back;
			worker.pending = Math.max(0, worker.pending - back);
		};
		const timer = setTimeout(() => giveBack(left), RESERVATION_MS);
		timer.unref();
		return {
			taken: () => giveBack(1),
			release: () => {
				clearTimeout(timer);
				giveBack(left);
			}
		};
	}

	/** Consumers there and on their way. */
	booked(worker: PooledWorker): number {
		return worker.counts.consumers + worker.pending;
	}

	/** Share of the consumer budget in use plus share of a core in use: both fill up towards 1. */
	load(worker: PooledWorker): number {
		return this.booked(worker) / this.consumersPerWorker + worker.cpu;
	}
}

function leastBy<T>(items: readonly T[], score: (item: T) => number): T {
	let best = items[0] as T;
	for (const item of items) if (score(item) < score(best)) best = item;
	return best;
}
