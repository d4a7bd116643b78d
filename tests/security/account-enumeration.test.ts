import { describe, expect, it } from 'vitest';
import { Accounts } from '../../src/lib/server/accounts/accounts.js';
import { scryptPasswords, type PasswordHasher } from '../../src/lib/server/accounts/passwords.js';
import { redisForThisFile } from '../support/redis.js';

// The attack: log-in took a median 181 ms for an existing email and 12 ms for an unknown one, so
// anyone could tell which emails have accounts. Both paths must do the same work: the password is
// checked with scrypt against a stored hash, or a hash of the same cost when there is no account.

const store = redisForThisFile();
const password = 'correct horse battery staple';

/** The real scrypt hasher, counting what it checks. */
function watchedPasswords(): PasswordHasher & { checked: string[] } {
	const checked: string[] = [];
	return {
		checked,
		hash: scryptPasswords.hash,
		async verify(candidate, stored) {
			checked.push(stored.split('$').slice(0, 4).join('$')); // the scheme and its cost
			return scryptPasswords.verify(candidate, stored);
		}
	};
}

describe('log-in for an email nobody uses', () => {
	it('runs the same password hash, at the same cost, as a wrong password for a real account', async () => {
		const passwords = watchedPasswords();
		const accounts = new Accounts(store.redis, passwords);
		await accounts.signUp({ email: 'real@example.org', password, displayName: 'Real Person' }, 'ip-a');
		const wrong = await accounts.logIn({ email: 'real@example.org', password: 'not the password' }, { address: 'ip-b', deviceToken: null }).catch((e) => e);
		const unknown = await accounts.logIn({ email: 'nobody@example.org', password: 'not the password' }, { address: 'ip-c', deviceToken: null }).catch((e) => e);
		expect([wrong.code, unknown.code]).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS']);
		expect(unknown.message).toBe(wrong.message);
		expect(passwords.checked).toHaveLength(2);
		expect(passwords.checked[1]).toBe(passwords.checked[0]); // same scheme, N, r and p
		expect(passwords.checked[0]).toMatch(/^scrypt\$32768\$8\$1$/);
	});

	it('draws on the same log-in budgets as a real account', async () => {
		const accounts = new Accounts(store.redis, watchedPasswords());
		const codes: string[] = [];
		for (let i = 0; i < 11; i++) codes.push((await accounts.logIn({ email: 'ghost@example.org', password: `guess ${i}` }, { address: `ip-${i}`, deviceToken: null }).catch((e) => e)).code);
		expect(codes).toEqual([...Array(10).fill('BAD_CREDENTIALS'), 'RATE_LIMITED']);
	});
});
