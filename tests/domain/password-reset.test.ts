import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { Accounts } from '../../src/lib/server/accounts/accounts.js';
import { PasswordReset } from '../../src/lib/server/accounts/password-reset.js';
import { SessionSockets } from '../../src/lib/server/accounts/session-sockets.js';
import { Mailer } from '../../src/lib/server/mail/mailer.js';
import { SiteLinks } from '../../src/lib/server/site-links.js';
import { redisForThisFile } from '../support/redis.js';
import { testLog } from '../support/log.js';

const store = redisForThisFile();
const password = 'correct horse battery staple';

/** The reset flow as server/domain.ts builds it, with mail kept in the outbox (a real Mailer, no SMTP). */
function domain() {
	const accounts = new Accounts(store.redis);
	const mailer = new Mailer(store.redis, { transport: null, checks: { stillWanted: async () => true }, links: new SiteLinks('https://gigs.example.org'), log: testLog });
	const reset = new PasswordReset(store.redis, accounts, new SessionSockets(), { mailer, links: mailer.links }, testLog);
	return { accounts, mailer, reset };
}

/** Every command Redis receives while `act` runs, as (command, key) with the address and random ids blanked out. */
async function commandsDuring(redis: Redis, email: string, act: () => Promise<unknown>): Promise<string[]> {
	const monitor = await redis.duplicate().monitor();
	const seen: string[] = [];
	monitor.on('monitor', (_time: string, args: string[]) => {
		seen.push(args.map((a) => a.split(email).join('<email>').replace(/client-[ab]/, '<client>').replace(/\b[a-z0-9]{16}\b/g, '<id>').replace(/^\d{13}$/, '<now>')).join(' '));
	});
	await new Promise((resolve) => setTimeout(resolve, 50));
	await act();
	await new Promise((resolve) => setTimeout(resolve, 50));
	monitor.disconnect();
	return seen;
}

describe('asking for a password reset', () => {
	it('costs the same for an unknown address as for a known one: the same Redis commands, the same answer', async () => {
		const { accounts, reset } = domain();
		await accounts.signUp({ email: 'known@example.test', password, displayName: 'Test Person' }, 'ip');
		const known = await commandsDuring(store.redis, 'known@example.test', () => reset.request({ email: 'known@example.test' }, 'client-a'));
		const unknown = await commandsDuring(store.redis, 'nobody@example.test', () => reset.request({ email: 'nobody@example.test' }, 'client-b'));
		expect(known.length).toBeGreaterThan(3);
		expect(unknown).toEqual(known);
		expect(known.join('\n')).not.toMatch(/user-email|gs:user:/);
	});

	it('mails a link to a known address only, and nothing for an unknown or deleted one', async () => {
		const { accounts, mailer, reset } = domain();
		const alice = await accounts.signUp({ email: 'alice@example.test', password, displayName: 'Test Person' }, 'ip');
		const gone = await accounts.signUp({ email: 'gone@example.test', password, displayName: 'Test Person' }, 'ip');
		await accounts.markDeleted(gone.id);
		for (const email of ['alice@example.test', 'nobody@example.test', 'gone@example.test']) await reset.request({ email }, 'client');
		expect(await reset.handleDue()).toBe(3);
		await mailer.sendDue();
		const kept = await mailer.list('outbox');
		expect(kept.map((m) => m.to)).toEqual(['alice@example.test']);
		expect(kept[0]!.text).toMatch(/https:\/\/gigs\.example\.org\/account\/reset\/[a-z0-9]{16}\.[\w-]{43}/);
		expect(kept[0]!.about).toMatchObject({ kind: 'passwordReset', userId: alice.id });
		expect(await store.redis.zcard('gs:reset-requests')).toBe(0);
	});

	it('limits how often one address can be sent links', async () => {
		const { reset } = domain();
		for (let i = 0; i < 5; i++) await reset.request({ email: 'flooded@example.test' }, `client-${i}`);
		await expect(reset.request({ email: 'flooded@example.test' }, 'client-x')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
	});
});
