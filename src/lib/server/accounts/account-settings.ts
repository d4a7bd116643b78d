import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { limitRate } from '../rate-limit.js';
import { templates } from '../mail/templates.js';
import { emailSchema, newPasswordSchema, parse, type Accounts, type User } from './accounts.js';
import type { AccountMail } from './account-mail.js';
import type { SessionSockets } from './session-sockets.js';
import { sessionId, type SessionInfo } from './sessions.js';

const passwordChangeSchema = z.object({
	currentPassword: z.string().min(1, 'Enter your current password').max(200),
	newPassword: newPasswordSchema
});
const emailChangeSchema = z.object({
	email: emailSchema,
	currentPassword: z.string().min(1, 'Enter your current password').max(200)
});

export type SessionRow = SessionInfo & { current: boolean };

/**
 * The account page's security sections: the password (asks the current one), the email (the
 * new address is confirmed by a link, the old one is told), and the sessions (see them, end one
 * or all others). Ending sessions closes their live connections on every node.
 */
export class AccountSettings {
	constructor(
		private readonly redis: Redis,
		private readonly accounts: Accounts,
		private readonly sockets: SessionSockets,
		private readonly mail: AccountMail
	) {}

	/** Changes the password and signs out every other session; the one in use stays. */
	async changePassword(user: User, currentSession: string, input: unknown): Promise<void> {
		const { currentPassword, newPassword } = parse(passwordChangeSchema, input);
		await this.checkPassword(user, currentPassword);
		await this.accounts.setPassword(user.id, newPassword);
		await this.accounts.tokens.revoke('reset-password', user.id);
		await this.sockets.disconnect(await this.accounts.sessions.endAll(user.id, sessionId(currentSession)));
		await this.mail.mailer.send(user.email, templates.passwordChanged({ settingsUrl: this.mail.links.url('/account') }), { kind: 'passwordChanged', userId: user.id });
	}

	/** Mails a confirmation link to the new address; the account keeps the old one until it is followed. */
	async requestEmailChange(user: User, input: unknown): Promise<string> {
		const { email, currentPassword } = parse(emailChangeSchema, input);
		if (email === user.email) throw new DomainError('INVALID_INPUT', 'That is your email already.', { email: 'That is your current email' });
		await this.checkPassword(user, currentPassword);
		await limitRate(this.redis, `email-change:${user.id}`, 5, 3600);
		if (await this.accounts.idForEmail(email)) throw new DomainError('EMAIL_TAKEN', 'Another account uses that email.', { email: 'This email is already registered' });
		const token = await this.accounts.tokens.issue('change-email', user.id, email);
		await this.mail.mailer.send(email, templates.confirmNewEmail({ newEmail: email, link: this.mail.links.url(`/account/email/${token}`) }), { kind: 'confirmNewEmail', userId: user.id });
		return email;
	}

	/** The address a link would switch to, without using the link. */
	async previewEmailChange(token: string): Promise<{ email: string }> {
		const { data } = await this.accounts.tokens.peek('change-email', token);
		return { email: data };
	}

	/** Switches the link's account to its new address and tells the old address. */
	async confirmEmailChange(token: string, current: User | null): Promise<string> {
		const { userId, data: newEmail } = await this.accounts.tokens.redeem('change-email', token, { userId: current?.id });
		const old = await this.accounts.changeEmail(userId, newEmail);
		if (old !== newEmail) {
			await this.mail.mailer.send(old, templates.emailChanged({ newEmail, settingsUrl: this.mail.links.url('/account') }), { kind: 'emailChanged', userId });
		}
		return newEmail;
	}

	async sessions(user: User, currentSession: string | null): Promise<SessionRow[]> {
		const current = currentSession ? sessionId(currentSession) : null;
		return (await this.accounts.sessions.list(user.id)).map((s) => ({ ...s, current: s.id === current }));
	}

	/** Signs out one session (another device); false if it was over already. */
	async endSession(user: User, id: string): Promise<boolean> {
		const ended = await this.accounts.sessions.endById(user.id, id);
		if (ended) await this.sockets.disconnect([id]);
		return ended;
	}

	/** Signs out every session but this one; returns how many. */
	async endOtherSessions(user: User, currentSession: string): Promise<number> {
		const ended = await this.accounts.sessions.endAll(user.id, sessionId(currentSession));
		await this.sockets.disconnect(ended);
		return ended.length;
	}

	private async checkPassword(user: User, password: string): Promise<void> {
		// Limited like log-ins: a stolen session must not become a way to guess the password.
		await limitRate(this.redis, `password-check:${user.id}`, 10, 900);
		if (!(await this.accounts.passwordMatches(user.id, password))) {
			throw new DomainError('WRONG_PASSWORD', 'That is not your current password.', { currentPassword: 'That is not your current password' });
		}
	}
}
