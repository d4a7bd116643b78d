import type { MediaContext } from './media-handlers.js';
import { broadcastShow } from './media-handlers.js';
import type { LeaseGrace } from '../cluster/lease-grace.js';

// Every node looks for lapsed leases this often: a dead node's show turns interrupted at most
// this long after its lease ran out.
const SWEEP_EVERY_MS = 1000;

/**
 * Keeps this node's host seats leased (renewed every third of the lease, and at once when Redis
 * comes back) and, like every node, sweeps the seats whose node stopped renewing: their shows turn
 * `interrupted` for every viewer, and the seat is free for the host to come back on any node. No
 * sweep within a lease of an outage (see LeaseGrace): then every lease lapsed, no node died.
 */
export function keepShowLeases(ctx: MediaContext, grace: Pick<LeaseGrace, 'mayJudge' | 'onRecovered'>): { stop(): void } {
	const { shows, log } = ctx;
	let stopped = false;
	const renew = onceAtATime(async () => {
		try {
			// A seat lost here means this node could not reach Redis for a whole lease and the show moved on.
			for (const gigId of await shows.renew()) log.warn({ gigId }, 'this node lost a host seat: its lease lapsed');
		} catch (err) {
			log.warn({ err }, 'could not renew host leases');
		}
	});
	const sweep = onceAtATime(async () => {
		if (!grace.mayJudge()) return;
		try {
			for (const gigId of await shows.sweep()) {
				log.warn({ gigId }, 'host lease lapsed (its node is gone); show interrupted');
				await broadcastShow(ctx, gigId);
			}
		} catch (err) {
			log.warn({ err }, 'could not sweep lapsed host leases');
		}
	});
	const renewing = setInterval(renew, Math.max(100, Math.floor(shows.leaseMs / 3)));
	const sweeping = setInterval(sweep, SWEEP_EVERY_MS);
	grace.onRecovered(() => {
		if (!stopped) renew();
	});
	return {
		stop() {
			stopped = true;
			clearInterval(renewing);
			clearInterval(sweeping);
		}
	};
}

/** `task` never overlaps itself: a call while it runs is dropped (the next tick does the work). */
function onceAtATime(task: () => Promise<void>): () => void {
	let running = false;
	return () => {
		if (running) return;
		running = true;
		void task().finally(() => (running = false));
	};
}
