import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/lib/server/accounts/accounts.js';
import { OneTimeTokens } from '../../src/lib/server/accounts/one-time-tokens.js';
import { redisForThisFile } from '../support/redis.js';

const store = redisForThisFile();
const HOUR = 3600_000;

describe('one-time links', () => {
	it('stores only a hash, bound to purpose and account, and works once', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const token = await tokens.issue('reset-password', 'alice');
		const secret = token.split('.')[1]!;
		const stored = JSON.stringify(await Promise.all((await store.redis.keys('gs:token*')).map(async (k) => [k, await store.redis.type(k) === 'hash' ? await store.redis.hgetall(k) : await store.redis.get(k)])));
		expect(stored).not.toContain(secret);
		expect(await tokens.redeem('reset-password', token)).toEqual({ userId: 'alice', data: '' });
		await expect(tokens.redeem('reset-password', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
	});

	it('refuses a token of another purpose, a forged secret and a mangled one', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const token = await tokens.issue('confirm-email', 'alice');
		await expect(tokens.redeem('reset-password', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
		const [id, secret] = token.split('.') as [string, string];
		const forged = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
		await expect(tokens.redeem('confirm-email', forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
		for (const mangled of ['', 'x', `${id}.`, `${id}.${secret}.x`, `../${token}`]) {
			await expect(tokens.redeem('confirm-email', mangled)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
		}
		// The refusals used nothing up.
		expect(await tokens.redeem('confirm-email', token)).toMatchObject({ userId: 'alice' });
	});

	it('refuses a token for another account than the one asking', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const token = await tokens.issue('change-email', 'alice', 'new@example.test');
		await expect(tokens.redeem('change-email', token, { userId: 'mallory' })).rejects.toMatchObject({ code: 'TOKEN_OTHER_ACCOUNT' });
		expect(await tokens.redeem('change-email', token, { userId: 'alice' })).toEqual({ userId: 'alice', data: 'new@example.test' });
	});

	it('expires: a reset link after an hour, a confirmation after a day', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const now = Date.now();
		const reset = await tokens.issue('reset-password', 'alice', '', now);
		const confirm = await tokens.issue('confirm-email', 'alice', '', now);
		await expect(tokens.redeem('reset-password', reset, { now: now + HOUR + 1 })).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
		await expect(tokens.peek('confirm-email', confirm, now + 24 * HOUR + 1)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
		expect(await tokens.redeem('confirm-email', confirm, { now: now + 23 * HOUR })).toMatchObject({ userId: 'alice' });
	});

	it('voids a link when a newer one of the same purpose is sent', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const first = await tokens.issue('reset-password', 'alice');
		const other = await tokens.issue('confirm-email', 'alice');
		const second = await tokens.issue('reset-password', 'alice');
		await expect(tokens.redeem('reset-password', first)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
		expect(await tokens.redeem('confirm-email', other)).toMatchObject({ userId: 'alice' });
		expect(await tokens.redeem('reset-password', second)).toMatchObject({ userId: 'alice' });
	});

	it('lets only one of two simultaneous uses through', async () => {
		const tokens = new OneTimeTokens(store.redis);
		const token = await tokens.issue('reset-password', 'alice');
		const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => new OneTimeTokens(store.redis.duplicate()).redeem('reset-password', token)));
		expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
	});

	it('voids a reset link when its account logs in with the password', async () => {
		const accounts = new Accounts(store.redis);
		const user = await accounts.signUp({ email: 'alice@example.test', password: 'correct horse battery staple', displayName: 'Test Person' }, 'ip');
		const token = await accounts.tokens.issue('reset-password', user.id);
		await expect(accounts.logIn({ email: 'alice@example.test', password: 'wrong password here' }, { address: '127.0.0.1', deviceToken: null })).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
		await accounts.tokens.peek('reset-password', token); // a failed log-in leaves it alone
		await accounts.logIn({ email: 'alice@example.test', password: 'correct horse battery staple' }, { address: '127.0.0.1', deviceToken: null });
		await expect(accounts.tokens.redeem('reset-password', token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
	});
});
