import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';

const key = {
	// creatorId scored by when: whom a person follows.
	following: (userId: string) => `gs:following:${userId}`,
	// userId scored by when: a creator's followers (what notifications will be sent to).
	followers: (creatorId: string) => `gs:followers:${creatorId}`
};

/** The most creators one person may follow: bounds the home page's work. */
export const MAX_FOLLOWING = 500;

/** Who follows which creator. Both directions are kept, in one transaction each time. */
export class Follows {
	constructor(private readonly redis: Redis) {}

	async follow(userId: string, creatorId: string, now = Date.now()): Promise<void> {
		if (userId === creatorId) throw new DomainError('INVALID_INPUT', 'You cannot follow yourself.');
		if ((await this.redis.zcard(key.following(userId))) >= MAX_FOLLOWING) {
			throw new DomainError('RATE_LIMITED', `You follow ${MAX_FOLLOWING} creators already: unfollow someone first.`);
		}
		await this.redis.multi().zadd(key.following(userId), 'NX', now, creatorId).zadd(key.followers(creatorId), 'NX', now, userId).exec();
	}

	async unfollow(userId: string, creatorId: string): Promise<void> {
		await this.redis.multi().zrem(key.following(userId), creatorId).zrem(key.followers(creatorId), userId).exec();
	}

	async follows(userId: string, creatorId: string): Promise<boolean> {
		return (await this.redis.zscore(key.following(userId), creatorId)) !== null;
	}

	/** The creators a person follows, most recent first. */
	async following(userId: string): Promise<string[]> {
		return this.redis.zrevrange(key.following(userId), '0', String(MAX_FOLLOWING - 1));
	}

	async followerCount(creatorId: string): Promise<number> {
		return this.redis.zcard(key.followers(creatorId));
	}

	/**
	 * A deleted account follows nobody and is followed by nobody: it leaves every follower count
	 * and every "creators you follow" list at once.
	 */
	async forget(userId: string): Promise<void> {
		const [following, followers] = await Promise.all([this.redis.zrange(key.following(userId), '0', '-1'), this.redis.zrange(key.followers(userId), '0', '-1')]);
		const transaction = this.redis.multi().del(key.following(userId), key.followers(userId));
		for (const creatorId of following) transaction.zrem(key.followers(creatorId), userId);
		for (const followerId of followers) transaction.zrem(key.following(followerId), userId);
		await transaction.exec();
	}

	/** A page of a creator's followers, oldest first (for notifications). */
	async followers(creatorId: string, offset = 0, limit = 500): Promise<string[]> {
		return this.redis.zrange(key.followers(creatorId), String(offset), String(offset + limit - 1));
	}
}
