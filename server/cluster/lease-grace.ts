import type { StoreStatus } from '../redis/store-status.js';

/**
 * Whether this node may take another node's lapsed lease or heartbeat as a sign that node is gone.
 * While Redis is away nobody can renew anything, so when it comes back every lease and heartbeat
 * in it has lapsed with no node at fault: judged at once, every live show would turn `interrupted`
 * and every pipe between nodes would close. So after an outage each node waits one lease, time
 * for every node to renew its own (they renew every third of a lease, and at once on `recovered`),
 * before it sweeps or closes anything. A node that alone lost Redis is still judged by the others.
 */
export class LeaseGrace {
	private backAt = Number.NEGATIVE_INFINITY;
	private readonly listeners = new Set<() => void>();

	constructor(
		private readonly store: Pick<StoreStatus, 'available' | 'onChange'>,
		private readonly leaseMs: number
	) {
		store.onChange((available) => {
			if (!available) return;
			this.backAt = Date.now();
			for (const listener of this.listeners) listener();
		});
	}

	/** True while Redis is here and has been for at least a lease. */
	mayJudge(): boolean {
		return this.store.available && Date.now() - this.backAt >= this.leaseMs;
	}

	/** Runs `listener` each time Redis comes back: renew what this node holds, at once. */
	onRecovered(listener: () => void): void {
		this.listeners.add(listener);
	}
}

/** For a single process with nobody else's leases to judge wrongly (tests). */
export const ALWAYS_JUDGE: Pick<LeaseGrace, 'mayJudge' | 'onRecovered'> = { mayJudge: () => true, onRecovered: () => {} };
