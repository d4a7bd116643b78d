import type { Redis } from 'ioredis';
import { DomainError } from './errors.js';

/**
 * Fixed-window limit kept in Redis (so it holds across server nodes): at most `limit` attempts
 * per `windowSeconds` for one key. Throws RATE_LIMITED with when to try again.
 */
export async function limitRate(redis: Redis, key: string, limit: number, windowSeconds: number): Promise<void> {
	await takeAttempt(redis, [{ key, limit, windowSeconds }]);
}

/** One budget an attempt draws on: at most `limit` per `windowSeconds` under `key`. */
export type Budget = { key: string; limit: number; windowSeconds: number };

// All budgets or none, in one step: concurrent attempts can never pass a budget together, and an
// attempt refused by one budget uses up nothing of the others. A count left without an expiry (a
// crash between two steps of an older version) gets its window back, so no limit is ever forever.
const TAKE = `
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[i * 2])
  local ttl = redis.call('TTL', key)
  if ttl == -1 then redis.call('EXPIRE', key, window); ttl = window end
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i * 2 - 1]) then
    return math.max(ttl, 1)
  end
end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[i * 2]) end
end
return 0
`;

const GIVE_BACK = `
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`;

/**
 * Takes one attempt from every budget, or throws RATE_LIMITED without taking any. Returns a
 * function that gives the attempt back (e.g. a log-in that succeeded is no guess to count).
 */
export async function takeAttempt(redis: Redis, budgets: Budget[]): Promise<() => Promise<void>> {
	const keys = budgets.map((b) => `gs:rate:${b.key}`);
	const wait = Number(await redis.eval(TAKE, keys.length, ...keys, ...budgets.flatMap((b) => [b.limit, b.windowSeconds])));
	if (wait > 0) throw new DomainError('RATE_LIMITED', `Too many attempts. Try again in ${waitText(wait)}.`);
	return async () => {
		await redis.eval(GIVE_BACK, keys.length, ...keys);
	};
}

// A day's budget (say, five confirmation mails) reads "24 hours", not "1440 minutes".
function waitText(seconds: number): string {
	if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
	if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} minutes`;
	return `${Math.ceil(seconds / 3600)} hours`;
}
