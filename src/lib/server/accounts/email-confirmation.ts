import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { limitRate } from '../rate-limit.js';
import { templates } from '../mail/templates.js';
import type { Accounts, User } from './accounts.js';
import type { AccountMail } from './account-mail.js';

/** Resending: one a minute, five a day, per account. */
const RESEND_LIMITS = [
	{ name: 'confirm-resend-minute', limit: 1, seconds: 60 },
	{ name: 'confirm-resend-day', limit: 5, seconds: 24 * 3600 }
] as const;

/** Confirming that a new account's address is its owner's: a link mailed at sign-up, and again on request. */
export class EmailConfirmation {
	constructor(
		private readonly redis: Redis,
		private readonly accounts: Accounts,
		private readonly mail: AccountMail
	) {}

	/** Mails a fresh link (the previous one stops working). */
	async send(user: Pick<User, 'id' | 'email'>): Promise<void> {
		const token = await this.accounts.tokens.issue('confirm-email', user.id);
		const link = this.mail.links.url(`/account/confirm/${token}`);
		await this.mail.mailer.send(user.email, templates.confirmEmail({ link }), { kind: 'confirmEmail', userId: user.id });
	}

	/** The banner's "send it again": rate limited per account. */
	async resend(user: User): Promise<void> {
		if (user.emailConfirmed) throw new DomainError('INVALID_INPUT', 'Your email is confirmed already.');
		for (const { name, limit, seconds } of RESEND_LIMITS) await limitRate(this.redis, `${name}:${user.id}`, limit, seconds);
		await this.send(user);
	}

	/** The address a link would confirm, without using the link (the page asks before it confirms). */
	async preview(token: string): Promise<{ email: string }> {
		const { userId } = await this.accounts.tokens.peek('confirm-email', token);
		const user = await this.accounts.user(userId);
		if (!user) throw new DomainError('TOKEN_INVALID', 'This link is not valid any more.');
		return { email: user.email };
	}

	/** Confirms the address of the link's account; someone logged in as another account is refused. */
	async confirm(token: string, current: User | null): Promise<User> {
		const { userId } = await this.accounts.tokens.redeem('confirm-email', token, { userId: current?.id });
		const user = await this.accounts.user(userId);
		if (!user) throw new DomainError('TOKEN_INVALID', 'This link is not valid any more.');
		await this.accounts.markEmailConfirmed(userId);
		return { ...user, emailConfirmed: true };
	}
}
