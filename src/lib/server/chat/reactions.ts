import type { Redis } from 'ioredis';
import { REACTION_COOLDOWN_MS, REACTION_KINDS, type ReactionKind, type ReactionTotals } from '../../live/messages.js';

const key = {
	// kind -> count: the gig's likes, kept for good.
	totals: (gigId: string) => `gs:gig-reactions:${gigId}`,
	cooldown: (gigId: string, userId: string) => `gs:rate:react:${gigId}:${userId}`
};

/** Hearts and applause: counted per gig, at most one per person per cooldown. */
export class Reactions {
	constructor(private readonly redis: Redis) {}

	/** Counts a reaction and returns the new totals, or null while this person is cooling down. */
	async add(gigId: string, userId: string, kind: ReactionKind): Promise<ReactionTotals | null> {
		const fresh = await this.redis.set(key.cooldown(gigId, userId), '1', 'PX', REACTION_COOLDOWN_MS, 'NX');
		if (!fresh) return null;
		const [, [, counts]] = (await this.redis.multi().hincrby(key.totals(gigId), kind, 1).hmget(key.totals(gigId), ...REACTION_KINDS).exec()) as [unknown, [null, (string | null)[]]];
		return toTotals(counts);
	}

	async totals(gigId: string): Promise<ReactionTotals> {
		return toTotals(await this.redis.hmget(key.totals(gigId), ...REACTION_KINDS));
	}
}

function toTotals(counts: (string | null)[]): ReactionTotals {
	return Object.fromEntries(REACTION_KINDS.map((kind, i) => [kind, Number(counts[i] ?? 0)])) as ReactionTotals;
}

