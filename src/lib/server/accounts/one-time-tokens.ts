import { createHash, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { newId, newSecret } from '../ids.js';

/** What a link in a mail lets its reader do, and for how long. */
export const TOKEN_PURPOSES = {
	'confirm-email': 24 * 3600_000,
	'reset-password': 3600_000,
	'change-email': 24 * 3600_000
} as const;
export type TokenPurpose = keyof typeof TOKEN_PURPOSES;

export type RedeemedToken = { userId: string; data: string };

const key = {
	token: (id: string) => `gs:token:${id}`,
	// The newest token of a purpose for an account: issuing another replaces (and voids) it.
	latest: (purpose: TokenPurpose, userId: string) => `gs:token-latest:${purpose}:${userId}`
};

// Kept a day past expiry, so an old link is answered "expired" rather than "unknown".
const GRACE_MS = 24 * 3600_000;
const FORMAT = /^([a-z0-9]{16})\.([A-Za-z0-9_-]{43})$/;

const ISSUE = `
local latest, token = KEYS[1], KEYS[2]
local id, ttl, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local previous = redis.call('GET', latest)
if previous then redis.call('DEL', prefix .. previous) end
redis.call('HSET', token, unpack(ARGV, 4))
redis.call('PEXPIRE', token, ttl)
redis.call('SET', latest, id, 'PX', ttl)
return 1
`;

// Used once: only the caller that deletes the token (still holding the same hash) redeems it.
const REDEEM = `
local token, latest = KEYS[1], KEYS[2]
local hash, id = ARGV[1], ARGV[2]
if redis.call('HGET', token, 'hash') ~= hash then return 0 end
redis.call('DEL', token)
if redis.call('GET', latest) == id then redis.call('DEL', latest) end
return 1
`;

/**
 * One-time links (confirm an email, reset a password, confirm a new email): `<id>.<secret>` with
 * 256 random bits of secret. Only a hash of the secret is stored, bound to purpose and account, so
 * neither a leaked database nor a token of another purpose or person opens anything. A token
 * works once, until it expires, and only while it is its account's newest of that purpose.
 */
export class OneTimeTokens {
	constructor(private readonly redis: Redis) {}

	async issue(purpose: TokenPurpose, userId: string, data = '', now = Date.now()): Promise<string> {
		const id = newId(16);
		const secret = newSecret(32);
		const ttl = TOKEN_PURPOSES[purpose] + GRACE_MS;
		const fields = { purpose, userId, hash: digest(purpose, userId, secret), data, expiresAt: String(now + TOKEN_PURPOSES[purpose]) };
		await this.redis.eval(ISSUE, 2, key.latest(purpose, userId), key.token(id), id, ttl, 'gs:token:', ...Object.entries(fields).flat());
		return `${id}.${secret}`;
	}

	/**
	 * The account (and data) a token was issued for, without using it up: for a page that shows
	 * what the link will do before the person confirms. Throws the same refusals as `redeem`.
	 */
	async peek(purpose: TokenPurpose, token: string, now = Date.now()): Promise<RedeemedToken> {
		return (await this.check(purpose, token, now)).found;
	}

	/** Uses a token up; throws TOKEN_INVALID or TOKEN_EXPIRED. `userId`, when given, must be the token's account. */
	async redeem(purpose: TokenPurpose, token: string, options: { userId?: string; now?: number } = {}): Promise<RedeemedToken> {
		const { id, hash, found } = await this.check(purpose, token, options.now ?? Date.now());
		if (options.userId !== undefined && options.userId !== found.userId) {
			throw new DomainError('TOKEN_OTHER_ACCOUNT', 'This link belongs to another account. Log out, then open it again.');
		}
		if ((await this.redis.eval(REDEEM, 2, key.token(id), key.latest(purpose, found.userId), hash, id)) !== 1) throw invalid();
		return found;
	}

	/** Voids an account's outstanding token of a purpose (a log-in voids reset links). */
	async revoke(purpose: TokenPurpose, userId: string): Promise<void> {
		const id = await this.redis.get(key.latest(purpose, userId));
		if (id) await this.redis.del(key.token(id), key.latest(purpose, userId));
	}

	private async check(purpose: TokenPurpose, token: string, now: number): Promise<{ id: string; hash: string; found: RedeemedToken }> {
		const match = FORMAT.exec(token);
		if (!match) throw invalid();
		const [, id, secret] = match as unknown as [string, string, string];
		const stored = await this.redis.hgetall(key.token(id));
		if (!stored.hash || !stored.userId) throw invalid();
		// The hash binds purpose and account: a token of another purpose never matches, whatever is stored beside it.
		const hash = digest(purpose, stored.userId, secret);
		if (!sameDigest(hash, stored.hash) || stored.purpose !== purpose) throw invalid();
		if (Number(stored.expiresAt) <= now) throw new DomainError('TOKEN_EXPIRED', 'This link has expired. Ask for a new one.');
		return { id, hash, found: { userId: stored.userId, data: stored.data ?? '' } };
	}
}

function digest(purpose: TokenPurpose, userId: string, secret: string): string {
	return createHash('sha256').update(`${purpose}\n${userId}\n${secret}`).digest('base64url');
}

/** Compared in constant time: how much of a guess matched never shows in the answer's timing. */
function sameDigest(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

function invalid(): DomainError {
	return new DomainError('TOKEN_INVALID', 'This link is not valid any more: it was used already, or a newer one was sent. Ask for a new one.');
}
