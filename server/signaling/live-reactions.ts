import type { Namespace } from 'socket.io';
import { REACTION_KINDS, type ReactionKind, type ReactionTotals } from '../../src/lib/live/messages.js';
import { gigRoom } from './live-rooms.js';

// Reactions of a gig are sent out in bursts: a crowd tapping hearts makes a few messages a
// second per node, not one per tap per viewer.
const BURST_MS = 200;

type Burst = { counts: Partial<Record<ReactionKind, number>>; totals: ReactionTotals; timer: ReturnType<typeof setTimeout> };

/** Collects the reactions this node counted and tells each gig's chat about them, batched. */
export class ReactionBursts {
	private readonly bursts = new Map<string, Burst>();

	constructor(private readonly namespace: Namespace) {}

	add(gigId: string, kind: ReactionKind, totals: ReactionTotals): void {
		let burst = this.bursts.get(gigId);
		if (!burst) {
			burst = { counts: {}, totals: { ...totals }, timer: setTimeout(() => this.flush(gigId), BURST_MS) };
			this.bursts.set(gigId, burst);
		}
		burst.counts[kind] = (burst.counts[kind] ?? 0) + 1;
		// Answers may come back out of order; totals only grow.
		for (const k of REACTION_KINDS) burst.totals[k] = Math.max(burst.totals[k], totals[k]);
	}

	close(): void {
		for (const burst of this.bursts.values()) clearTimeout(burst.timer);
		this.bursts.clear();
	}

	private flush(gigId: string): void {
		const burst = this.bursts.get(gigId);
		this.bursts.delete(gigId);
		if (!burst) return;
		for (const kind of REACTION_KINDS) {
			const count = burst.counts[kind];
			if (count) this.namespace.to(gigRoom(gigId)).emit('reaction', { kind, count, totals: burst.totals });
		}
	}
}
