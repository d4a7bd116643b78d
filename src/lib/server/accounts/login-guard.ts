import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { newSecret } from '../ids.js';
import { takeAttempt, type Budget } from '../rate-limit.js';
import { addressBucket } from '../client-address.js';

/** Where a log-in attempt comes from: the client's address and the browser's device token, if it has one. */
export type LoginOrigin = { address: string; deviceToken: string | null };

const WINDOW_SECONDS = 15 * 60;
// Unknown browsers: per address (any accounts) and per account (any addresses), so guessing is
// slow however many addresses an attacker has. A browser the account has logged in from before
// has a budget of its own, which nobody else can use up: the owner is never locked out there.
export const LOGIN_LIMITS = { perAddress: 30, perAccount: 10, perKnownDevice: 10, windowSeconds: WINDOW_SECONDS };

export const DEVICE_DAYS = 365;
const DEVICE_SECONDS = DEVICE_DAYS * 24 * 3600;

const hashed = (token: string) => createHash('sha256').update(token).digest('base64url');
// Only a hash of the token is stored, like sessions: a leaked database marks no browser as known.
const KNOWN_DEVICE_PREFIX = 'gs:known-device:';
const knownDeviceKey = (userId: string, token: string) => `${KNOWN_DEVICE_PREFIX}${userId}:${hashed(token)}`;
// The hashes of an account's known browsers, so they can all be forgotten without a scan.
const knownDevicesKey = (userId: string) => `gs:known-devices:${userId}`;

const FORGET_DEVICES = `
local index, prefix = KEYS[1], ARGV[1]
for _, hash in ipairs(redis.call('SMEMBERS', index)) do redis.call('DEL', prefix .. hash) end
redis.call('DEL', index)
return 1
`;

/** Log-in budgets and the browsers each account has logged in from. */
export class LoginGuard {
	constructor(private readonly redis: Redis) {}

	/**
	 * Takes one guess from the budgets this attempt draws on, or throws RATE_LIMITED. `userId` is
	 * null for an email nobody uses, which is budgeted exactly like a real one.
	 */
	async admit(email: string, userId: string | null, origin: LoginOrigin): Promise<() => Promise<void>> {
		// Looked up for an unknown email too (under no account), so both take the same steps.
		const known = origin.deviceToken !== null && (await this.redis.exists(knownDeviceKey(userId ?? '-', origin.deviceToken))) === 1 && userId !== null;
		const budgets: Budget[] = known
			? [{ key: `login-device:${hashed(origin.deviceToken!)}:${email}`, limit: LOGIN_LIMITS.perKnownDevice, windowSeconds: WINDOW_SECONDS }]
			: [
					{ key: `login-address:${addressBucket(origin.address)}`, limit: LOGIN_LIMITS.perAddress, windowSeconds: WINDOW_SECONDS },
					{ key: `login-account:${email}`, limit: LOGIN_LIMITS.perAccount, windowSeconds: WINDOW_SECONDS }
				];
		return takeAttempt(this.redis, budgets);
	}

	/** Marks this browser as one the account logs in from; returns the token for its cookie (a new one if it had none). */
	async rememberDevice(userId: string, deviceToken: string | null): Promise<string> {
		const token = deviceToken && /^[A-Za-z0-9_-]{20,64}$/.test(deviceToken) ? deviceToken : newSecret();
		await this.redis
			.multi()
			.set(knownDeviceKey(userId, token), '1', 'EX', DEVICE_SECONDS)
			.sadd(knownDevicesKey(userId), hashed(token))
			.expire(knownDevicesKey(userId), DEVICE_SECONDS)
			.exec();
		return token;
	}

	/**
	 * Forgets every browser the account logged in from (a new password, a deleted account): a
	 * browser that knew the old password must not keep a log-in budget of its own.
	 */
	async forgetDevices(userId: string): Promise<void> {
		await this.redis.eval(FORGET_DEVICES, 1, knownDevicesKey(userId), `${KNOWN_DEVICE_PREFIX}${userId}:`);
	}
}
