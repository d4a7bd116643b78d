import type { Redis } from 'ioredis';
import { MAIL_TOPICS, type MailTopic } from '../mail/outgoing.js';

export type Preferences = Record<MailTopic, boolean>;

/** Reminders are on, the daily summary too; "someone bought a ticket" is opt-in. */
export const DEFAULT_PREFERENCES: Preferences = { startsSoon: true, liveNow: true, ticketSold: false, dailySales: true };

const key = (userId: string) => `gs:mail-prefs:${userId}`;

/** Which notification mails each person wants; a missing switch has its default. */
export class NotificationPreferences {
	constructor(private readonly redis: Redis) {}

	async get(userId: string): Promise<Preferences> {
		const stored = await this.redis.hgetall(key(userId));
		const preferences = { ...DEFAULT_PREFERENCES };
		for (const topic of MAIL_TOPICS) if (stored[topic] !== undefined) preferences[topic] = stored[topic] === '1';
		return preferences;
	}

	async wants(userId: string, topic: MailTopic): Promise<boolean> {
		const stored = await this.redis.hget(key(userId), topic);
		return stored === null ? DEFAULT_PREFERENCES[topic] : stored === '1';
	}

	/** Sets the given switches; others keep what they were. */
	async set(userId: string, changes: Partial<Preferences>): Promise<void> {
		const fields = Object.entries(changes).filter(([topic]) => (MAIL_TOPICS as readonly string[]).includes(topic));
		if (fields.length) await this.redis.hset(key(userId), Object.fromEntries(fields.map(([topic, on]) => [topic, on ? '1' : '0'])));
	}

	async forget(userId: string): Promise<void> {
		await this.redis.del(key(userId));
	}
}
