import type { Redis } from 'ioredis';
import { publicName, type User } from '../accounts/accounts.js';

const key = {
	handle: (handle: string) => `gs:creator-handle:${handle}`,
	user: (id: string) => `gs:user:${id}`
};

const HANDLE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** "Zoë & The Bänd!" → "zoe-the-band": letters and digits of the name, in ASCII. */
export function slugOf(name: string): string {
	return name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 32)
		.replace(/-+$/, '');
}

/**
 * The address of each creator's public page, `/c/<handle>`: made once from their display name
 * (the first free one of "name", "name-2"…), then kept, so links shared earlier keep working when
 * the name changes.
 */
export class CreatorHandles {
	constructor(private readonly redis: Redis) {}

	/** The creator's handle, made on first use. */
	async of(user: Pick<User, 'id' | 'displayName'>): Promise<string> {
		const kept = await this.redis.hget(key.user(user.id), 'handle');
		if (kept) return kept;
		const base = slugOf(publicName(user)) || 'creator';
		const candidates = [base, ...[2, 3, 4, 5].map((n) => `${base}-${n}`), `${base}-${user.id.slice(0, 6)}`];
		for (const handle of candidates) {
			// Claimed atomically: two creators cannot take the same address.
			if (await this.redis.set(key.handle(handle), user.id, 'NX')) {
				await this.redis.hset(key.user(user.id), 'handle', handle);
				return handle;
			}
			if ((await this.redis.get(key.handle(handle))) === user.id) return handle;
		}
		return user.id; // ids are never handles of someone else: /c/<id> finds them too
	}

	/** The user id behind a handle (or a user id itself), if any. */
	async find(handle: string): Promise<string | null> {
		if (!HANDLE.test(handle)) return null;
		return (await this.redis.get(key.handle(handle))) ?? ((await this.redis.exists(key.user(handle))) ? handle : null);
	}
}
