import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A show whose encoder went away mid-show, kept `interrupted` for the key that streamed it. */
export type HeldShow = {
	gigId: string;
	/** SHA-256 of the stream key that streamed it: only that key resumes the show. */
	keyDigest: string;
	/** When the grace ends (ms since the epoch). */
	until: number;
	/** OBS's "Stop Streaming" (a short grace) rather than a dropped connection (a long one). */
	stoppedCleanly: boolean;
};

const holdKey = (gigId: string) => `gs:ingest-hold:${gigId}`;
// The record outlives its grace a little: the node that set it still finds it when its timer fires late.
const KEEP_AFTER_GRACE_MS = 30_000;

// KEYS: hold. ARGV: the record as set. Deletes it only if it is still that record (not resumed, not held again).
const TAKE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

export const keyDigest = (streamKey: string) => createHash('sha256').update(streamKey).digest('base64url');

/**
 * The grace after an encoder leaves mid-show, in one place: while it runs, the same stream key
 * resumes the show and any other key is refused (the ingest asks `held`); when it runs out,
 * `expired` ends the show. The hold is kept in Redis, so an encoder that comes back through a
 * load balancer to another node resumes there; the timer lives on the node that served the
 * stream, and ends the show only if the hold is still the one it set.
 */
export class ShowHolds {
	private readonly timers = new Map<string, NodeJS.Timeout>();

	constructor(
		private readonly redis: Redis,
		private readonly expired: (held: HeldShow) => void
	) {}

	async hold(held: HeldShow): Promise<void> {
		this.clearTimer(held.gigId);
		const record = JSON.stringify(held);
		const graceMs = Math.max(0, held.until - Date.now());
		await this.redis.set(holdKey(held.gigId), record, 'PX', graceMs + KEEP_AFTER_GRACE_MS);
		const timer = setTimeout(() => {
			this.timers.delete(held.gigId);
			void this.redis.eval(TAKE, 1, holdKey(held.gigId), record).then(
				(taken) => taken === 1 && this.expired(held),
				() => {} // Redis away: the record lapses by itself; the show stays interrupted, as on a stopped node
			);
		}, graceMs);
		this.timers.set(held.gigId, timer);
	}

	/** The gig's running hold, set on any node. */
	async held(gigId: string): Promise<HeldShow | null> {
		const raw = await this.redis.get(holdKey(gigId));
		const held = raw ? (JSON.parse(raw) as HeldShow) : null;
		return held && held.until > Date.now() ? held : null;
	}

	/** Drops a hold without ending its show (the encoder is back, on whichever node). */
	async release(gigId: string): Promise<void> {
		this.clearTimer(gigId);
		await this.redis.del(holdKey(gigId));
	}

	/**
	 * The server stops: its holds go without ending their shows (they stay interrupted, as any show on
	 * a stopping node). Their records stay until they lapse: the same key still resumes elsewhere.
	 */
	releaseAll(): void {
		for (const gigId of [...this.timers.keys()]) this.clearTimer(gigId);
	}

	private clearTimer(gigId: string): void {
		clearTimeout(this.timers.get(gigId));
		this.timers.delete(gigId);
	}
}
