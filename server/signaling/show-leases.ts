import type { MediaContext } from './media-handlers.js';
import { broadcastShow } from './media-handlers.js';

// Every node looks for lapsed leases this often: a dead node's show turns interrupted at most
// this long after its lease ran out.
const SWEEP_EVERY_MS = 1000;

/**
 * Keeps this node's host seats leased (renewed every third of the lease) and, like every node,
 * sweeps the seats whose node stopped renewing: their shows turn `interrupted` for every viewer,
 * and the seat is free for the host to come back on any node.
 */
export function keepShowLeases(ctx: MediaContext): { stop(): void } {
	const { shows, log } = ctx;
	let renewing = false;
	let sweeping = false;
	const renew = setInterval(async () => {
		if (renewing) return;
		renewing = true;
		try {
			// A seat lost here means this node could not reach Redis for a whole lease and the show moved on.
			for (const gigId of await shows.renew()) log.warn({ gigId }, 'this node lost a host seat: its lease lapsed');
		} catch (err) {
			log.warn({ err }, 'could not renew host leases');
		} finally {
			renewing = false;
		}
	}, Math.max(100, Math.floor(shows.leaseMs / 3)));
	const sweep = setInterval(async () => {
		if (sweeping) return;
		sweeping = true;
		try {
			for (const gigId of await shows.sweep()) {
				log.warn({ gigId }, 'host lease lapsed (its node is gone); show interrupted');
				await broadcastShow(ctx, gigId);
			}
		} catch (err) {
			log.warn({ err }, 'could not sweep lapsed host leases');
		} finally {
			sweeping = false;
		}
	}, SWEEP_EVERY_MS);
	return {
		stop() {
			clearInterval(renew);
			clearInterval(sweep);
		}
	};
}
