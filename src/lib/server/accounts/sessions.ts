import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newSecret } from '../ids.js';

export const SESSION_DAYS = 30;
const SESSION_SECONDS = SESSION_DAYS * 24 * 3600;
// "Last active" is written at most this often, so reading a session stays a read.
const SEEN_EVERY_MS = 5 * 60_000;
// Set on a person's index once sessions were ended in bulk: from then on only listed sessions count.
const INDEXED = '~indexed';

/** A session as its owner sees it on the account page. The id is the hash the store keys it by, never the cookie's token. */
export type SessionInfo = { id: string; createdAt: number; seenAt: number; agent: string };

/** What is known of the device when a session starts. */
export type SessionOrigin = { agent?: string | null };

const key = {
	// Only a hash of the token is stored: a leaked database holds no usable session.
	session: (id: string) => `gs:session:${id}`,
	// sessionId -> JSON { createdAt, seenAt, agent }: a person's sessions, for the account page and for ending them all.
	index: (userId: string) => `gs:user-sessions:${userId}`
};

/** The session id of a cookie token: the sha256 the store keys it by. */
export function sessionId(token: string): string {
	return createHash('sha256').update(token).digest('base64url');
}

type Entry = { createdAt: number; seenAt: number; agent: string };

/**
 * Login sessions: a random token in the cookie, its hash in Redis with the account it belongs to,
 * and each person's list of sessions, so they can see them and end one or all (a password reset
 * or change ends all the others).
 */
export class Sessions {
	constructor(private readonly redis: Redis) {}

	async create(userId: string, origin: SessionOrigin = {}, now = Date.now()): Promise<string> {
		const token = newSecret();
		const id = sessionId(token);
		const entry: Entry = { createdAt: now, seenAt: now, agent: (origin.agent ?? '').slice(0, 300) };
		await this.redis
			.multi()
			.set(key.session(id), userId, 'EX', SESSION_SECONDS)
			.hset(key.index(userId), id, JSON.stringify(entry))
			// The index lives as long as its newest session.
			.expire(key.index(userId), SESSION_SECONDS)
			.exec();
		return token;
	}

	/** The account and session behind a cookie token, or null. Notes when it was last used. */
	async resolve(token: string | undefined, now = Date.now()): Promise<{ userId: string; sessionId: string } | null> {
		if (!token || token.length > 100) return null;
		const id = sessionId(token);
		const userId = await this.redis.get(key.session(id));
		if (!userId) return null;
		const [raw, indexed] = await this.redis.hmget(key.index(userId), id, INDEXED);
		if (!raw) {
			// Not listed: a session from before the list existed still counts (and is listed now),
			// unless its person has ended sessions in bulk since.
			if (indexed) {
				await this.redis.del(key.session(id));
				return null;
			}
			await this.redis.hset(key.index(userId), id, JSON.stringify({ createdAt: now, seenAt: now, agent: '' } satisfies Entry));
			await this.redis.expire(key.index(userId), SESSION_SECONDS);
			return { userId, sessionId: id };
		}
		const entry = parseEntry(raw);
		if (now - entry.seenAt > SEEN_EVERY_MS) await this.redis.hset(key.index(userId), id, JSON.stringify({ ...entry, seenAt: now }));
		return { userId, sessionId: id };
	}

	/** A person's live sessions, newest first; entries whose session expired are cleared away. */
	async list(userId: string): Promise<SessionInfo[]> {
		const entries = Object.entries(await this.redis.hgetall(key.index(userId))).filter(([id]) => id !== INDEXED);
		if (entries.length === 0) return [];
		const alive = await Promise.all(entries.map(([id]) => this.redis.exists(key.session(id))));
		const gone = entries.filter((_, i) => !alive[i]).map(([id]) => id);
		if (gone.length) await this.redis.hdel(key.index(userId), ...gone);
		return entries
			.filter((_, i) => alive[i])
			.map(([id, raw]) => ({ id, ...parseEntry(raw) }))
			.sort((a, b) => b.createdAt - a.createdAt);
	}

	/** Ends the session of a cookie token (logging out). */
	async end(token: string): Promise<void> {
		const id = sessionId(token);
		const userId = await this.redis.get(key.session(id));
		const transaction = this.redis.multi().del(key.session(id));
		if (userId) transaction.hdel(key.index(userId), id);
		await transaction.exec();
	}

	/** Ends one of a person's sessions by its id; false if it is not theirs or already over. */
	async endById(userId: string, id: string): Promise<boolean> {
		if (!/^[A-Za-z0-9_-]{43}$/.test(id) || (await this.redis.get(key.session(id))) !== userId) return false;
		await this.redis.multi().del(key.session(id)).hdel(key.index(userId), id).exec();
		return true;
	}

	/** Ends every session of a person except `keep` (the one in use); returns the ids it ended. */
	async endAll(userId: string, keep?: string): Promise<string[]> {
		const ids = Object.keys(await this.redis.hgetall(key.index(userId))).filter((id) => id !== INDEXED && id !== keep);
		const transaction = this.redis.multi();
		for (const id of ids) transaction.del(key.session(id));
		if (ids.length) transaction.hdel(key.index(userId), ...ids);
		// Any session not on the list (made before lists existed) stops counting too.
		transaction.hset(key.index(userId), INDEXED, '1').expire(key.index(userId), SESSION_SECONDS);
		await transaction.exec();
		return ids;
	}

	/** Forgets the list itself (an erased account). */
	async forget(userId: string): Promise<void> {
		await this.endAll(userId);
		await this.redis.del(key.index(userId));
	}
}

function parseEntry(raw: string): Entry {
	try {
		const parsed = JSON.parse(raw) as Partial<Entry>;
		return { createdAt: Number(parsed.createdAt) || 0, seenAt: Number(parsed.seenAt) || 0, agent: String(parsed.agent ?? '') };
	} catch {
		return { createdAt: 0, seenAt: 0, agent: '' };
	}
}
