import type { Redis } from 'ioredis';
import { newSecret } from '../ids.js';

/** Where a creator's events go and the secret they are signed with. */
export type Endpoint = { url: string | null; secret: string | null; updatedAt: number | null };

export const endpointKey = (userId: string) => `gs:webhook:${userId}`;

const SECRET_PREFIX = 'gswh_';

/** The creators' webhook settings, one hash per creator. */
export class Endpoints {
	constructor(private readonly redis: Redis) {}

	async get(userId: string): Promise<Endpoint> {
		const f = await this.redis.hgetall(endpointKey(userId));
		return { url: f.url || null, secret: f.secret || null, updatedAt: f.updatedAt ? Number(f.updatedAt) : null };
	}

	/** Sets the URL; the first time, a signing secret is made too. Tells whether it was. */
	async setUrl(userId: string, url: string, now = Date.now()): Promise<{ secretCreated: boolean }> {
		const [[, created]] = (await this.redis
			.multi()
			.hsetnx(endpointKey(userId), 'secret', newSigningSecret())
			.hset(endpointKey(userId), { url, updatedAt: String(now) })
			.exec()) as [[null, number], [null, number]];
		return { secretCreated: created === 1 };
	}

	/** Stops sending; the secret stays, so setting a URL again keeps receivers' configuration valid. */
	async removeUrl(userId: string, now = Date.now()): Promise<void> {
		await this.redis.multi().hdel(endpointKey(userId), 'url').hset(endpointKey(userId), 'updatedAt', String(now)).exec();
	}

	/** A new secret; the old one stops being used at once, retries of earlier events included. */
	async rotateSecret(userId: string, now = Date.now()): Promise<string> {
		const secret = newSigningSecret();
		await this.redis.hset(endpointKey(userId), { secret, updatedAt: String(now) });
		return secret;
	}
}

function newSigningSecret(): string {
	return SECRET_PREFIX + newSecret(32);
}
