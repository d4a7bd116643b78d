import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { limitRate } from '../rate-limit.js';
import { CHAT_RATE } from '../../live/messages.js';

/** How fast one person may write in one gig's chat; counted in Redis, so it holds across nodes. */
export class ChatPace {
	constructor(private readonly redis: Redis) {}

	/** Counts a message; false when this person has sent their share for the current window. */
	async mayPost(gigId: string, userId: string): Promise<boolean> {
		try {
			await limitRate(this.redis, `chat:${gigId}:${userId}`, CHAT_RATE.messages, CHAT_RATE.seconds);
			return true;
		} catch (error) {
			if (error instanceof DomainError && error.code === 'RATE_LIMITED') return false;
			throw error;
		}
	}
}
