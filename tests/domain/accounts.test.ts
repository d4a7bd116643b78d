import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/lib/server/accounts/accounts.js';
import { normaliseWallet } from '../../src/lib/server/accounts/wallet.js';
import { redisForThisFile } from '../support/redis.js';

const store = redisForThisFile();
const password = 'correct horse battery staple';
/** A log-in attempt's origin: an address, and the browser's device token if it has one. */
const from = (address: string, deviceToken: string | null = null) => ({ address, deviceToken });

describe('accounts', () => {
	it('signs up, logs in and keeps no plaintext password', async () => {
		const accounts = new Accounts(store.redis);
		const user = await accounts.signUp({ email: 'Ann@Example.org', password, displayName: 'Test Person' }, 'ip-1');
		expect(user).toMatchObject({ email: 'ann@example.org', role: 'viewer' });
		expect((await accounts.logIn({ email: 'ann@example.org', password }, from('ip-1'))).id).toBe(user.id);
		const dump = JSON.stringify(await store.redis.hgetall(`gs:user:${user.id}`));
		expect(dump).not.toContain(password);
		expect(dump).toContain('scrypt$');
	});

	it('refuses a second account for the same email, even at the same moment', async () => {
		const accounts = new Accounts(store.redis);
		const results = await Promise.allSettled([1, 2, 3].map((i) => accounts.signUp({ email: 'twin@example.org', password, displayName: 'Test Person' }, `ip-${i}`)));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['EMAIL_TAKEN', 'EMAIL_TAKEN']);
	});

	it('gives the same answer for a wrong password and an unknown email', async () => {
		const accounts = new Accounts(store.redis);
		await accounts.signUp({ email: 'bob@example.org', password, displayName: 'Test Person' }, 'ip');
		const wrong = await accounts.logIn({ email: 'bob@example.org', password: 'not it at all' }, from('ip')).catch((e) => e);
		const unknown = await accounts.logIn({ email: 'nobody@example.org', password }, from('ip')).catch((e) => e);
		expect([wrong.code, unknown.code]).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS']);
		expect(wrong.message).toBe(unknown.message);
	});

	it('rate-limits guessing one account’s password, without locking its owner out of a browser she used before', async () => {
		const accounts = new Accounts(store.redis);
		const carol = await accounts.signUp({ email: 'carol@example.org', password, displayName: 'Test Person' }, 'ip');
		const phone = await accounts.rememberDevice(carol.id, null);
		const codes = [];
		for (let i = 0; i < 12; i++) codes.push((await accounts.logIn({ email: 'carol@example.org', password: 'guess ' + i }, from(`attacker-${i}`)).catch((e) => e)).code);
		expect(codes.slice(0, 10)).toEqual(Array(10).fill('BAD_CREDENTIALS'));
		expect(codes.slice(10)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
		expect((await accounts.logIn({ email: 'carol@example.org', password }, from('attacker-0', phone))).email).toBe('carol@example.org');
		// A new browser shares the account's budget with the attacker's until it runs out again.
		expect((await accounts.logIn({ email: 'carol@example.org', password }, from('carols-laptop')).catch((e) => e)).code).toBe('RATE_LIMITED');
	});

	it('forgets the browsers an account logged in from when its password changes or it is deleted', async () => {
		const accounts = new Accounts(store.redis);
		const dave = await accounts.signUp({ email: 'dave@example.org', password, displayName: 'Test Person' }, 'ip');
		const stolen = await accounts.rememberDevice(dave.id, null); // a browser that knew the old password
		await accounts.setPassword(dave.id, 'a brand new passphrase');
		expect(await store.redis.keys(`gs:known-device:${dave.id}:*`)).toEqual([]);
		// That browser no longer has a budget of its own: it shares (and runs out of) the account's.
		const codes = [];
		for (let i = 0; i < 11; i++) codes.push((await accounts.logIn({ email: 'dave@example.org', password: 'guess ' + i }, from(`stolen-${i}`, stolen)).catch((e) => e)).code);
		expect(codes.slice(0, 10)).toEqual(Array(10).fill('BAD_CREDENTIALS'));
		expect(codes[10]).toBe('RATE_LIMITED');

		const erin = await accounts.signUp({ email: 'erin@example.org', password, displayName: 'Test Person' }, 'ip');
		await accounts.rememberDevice(erin.id, null);
		await accounts.rememberDevice(erin.id, null);
		expect(await store.redis.keys(`gs:known-device:${erin.id}:*`)).toHaveLength(2);
		await accounts.markDeleted(erin.id);
		expect(await store.redis.keys(`gs:known-device*:${erin.id}*`)).toEqual([]);
	});

	it('rate-limits one address trying many accounts', async () => {
		const accounts = new Accounts(store.redis);
		const codes = [];
		for (let i = 0; i < 31; i++) codes.push((await accounts.logIn({ email: `user${i}@example.org`, password }, from('sprayer')).catch((e) => e)).code);
		expect(codes.slice(0, 30)).toEqual(Array(30).fill("BAD_CREDENTIALS"));
		expect(codes[30]).toBe('RATE_LIMITED');
	});

	it('makes a viewer with a confirmed email a creator with a normalised wallet', async () => {
		const accounts = new Accounts(store.redis);
		const user = await accounts.signUp({ email: 'dj@example.org', password, displayName: 'Test Person' }, 'ip');
		expect(user.emailConfirmed).toBe(false);
		await expect(accounts.becomeCreator(user.id, { displayName: 'DJ Dee', wallet: '' })).rejects.toMatchObject({ code: 'EMAIL_UNCONFIRMED' });
		await accounts.markEmailConfirmed(user.id);
		await expect(accounts.becomeCreator(user.id, { displayName: 'D', wallet: 'ftp://x' })).rejects.toMatchObject({
			code: 'INVALID_INPUT',
			fields: { displayName: expect.any(String), wallet: expect.any(String) }
		});
		const creator = await accounts.becomeCreator(user.id, { displayName: 'DJ Dee', wallet: '$wallet.example/dee' });
		expect(creator).toMatchObject({ role: 'creator', displayName: 'DJ Dee', wallet: 'https://wallet.example/dee' });
		expect(await accounts.user(user.id)).toMatchObject({ role: 'creator', wallet: 'https://wallet.example/dee' });
	});

	it('keeps sessions until they end, and forged tokens find nobody', async () => {
		const accounts = new Accounts(store.redis);
		const user = await accounts.signUp({ email: 'eve@example.org', password, displayName: 'Test Person' }, 'ip');
		const token = await accounts.createSession(user.id);
		expect((await accounts.userForSession(token))?.id).toBe(user.id);
		expect(await accounts.userForSession(token + 'x')).toBeNull();
		expect(await store.redis.exists(`gs:session:${token}`)).toBe(0); // stored hashed
		await accounts.endSession(token);
		expect(await accounts.userForSession(token)).toBeNull();
	});

	it('normalises wallet addresses in both forms', () => {
		expect(normaliseWallet('$ilp.example.com/alice')).toBe('https://ilp.example.com/alice');
		expect(normaliseWallet('https://wallet.example/alice/')).toBe('https://wallet.example/alice');
		expect(normaliseWallet('$wallet.example')).toBe('https://wallet.example/.well-known/pay');
		expect(normaliseWallet('http://wallet.example/alice')).toBeNull();
		expect(normaliseWallet('javascript:alert(1)')).toBeNull();
	});
});
