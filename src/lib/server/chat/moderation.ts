import type { Redis } from 'ioredis';

const key = {
	bans: (gigId: string) => `gs:gig-bans:${gigId}`,
	// Holds the end of the time-out; Redis drops it when the time-out is over.
	timeout: (gigId: string, userId: string) => `gs:gig-timeout:${gigId}:${userId}`
};

/** Bans (for the whole gig: chat and stream) and time-outs (chat only, for some minutes). */
export class Moderation {
	constructor(private readonly redis: Redis) {}

	async ban(gigId: string, userId: string): Promise<void> {
		await this.redis.sadd(key.bans(gigId), userId);
	}

	/** Lifts a ban; false when the person was not banned. */
	async unban(gigId: string, userId: string): Promise<boolean> {
		return (await this.redis.srem(key.bans(gigId), userId)) === 1;
	}

	async banned(gigId: string): Promise<string[]> {
		return this.redis.smembers(key.bans(gigId));
	}

	async isBanned(gigId: string, userId: string): Promise<boolean> {
		return (await this.redis.sismember(key.bans(gigId), userId)) === 1;
	}

	/** Keeps the person out of the chat for `minutes`; returns when that ends. */
	async timeOut(gigId: string, userId: string, minutes: number, now = Date.now()): Promise<number> {
		const until = now + minutes * 60_000;
		await this.redis.set(key.timeout(gigId, userId), String(until), 'PX', minutes * 60_000);
		return until;
	}

	/** When the person's time-out ends, or null when they are not timed out. */
	async timedOutUntil(gigId: string, userId: string, now = Date.now()): Promise<number | null> {
		const until = Number(await this.redis.get(key.timeout(gigId, userId)));
		return until > now ? until : null;
	}
}
