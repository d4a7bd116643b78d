import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { addressBucket } from '../client-address.js';
import { LeasedQueue } from '../queue/leased-queue.js';
import { QueueLoop } from '../queue/queue-loop.js';
import { templates } from '../mail/templates.js';
import { emailSchema, newPasswordSchema, parse, type Accounts, type User } from './accounts.js';
import type { AccountMail } from './account-mail.js';
import type { SessionSockets } from './session-sockets.js';
import type { SessionOrigin } from './sessions.js';

const PREFIX = 'gs:reset-request:';
const QUEUE = 'gs:reset-requests';
// A request nobody handled within this long is dropped: its link would be near expiry anyway.
const REQUEST_SECONDS = 3600;
const BATCH = 10;
const MAX_ATTEMPTS = 5;

const requestSchema = z.object({ email: emailSchema });

/**
 * "Forgot your password?". Asking answers the same, and costs the same, whether or not the
 * address has an account: the request path only validates, counts the rate limits and queues
 * the address; whether an account exists is looked up later by a worker, which mails a link
 * (valid an hour, once) or nothing. Nothing on the request path branches on the account.
 */
export class PasswordReset {
	private readonly requests: LeasedQueue;
	private readonly loop: QueueLoop;

	constructor(
		private readonly redis: Redis,
		private readonly accounts: Accounts,
		private readonly sockets: SessionSockets,
		private readonly mail: AccountMail,
		private readonly log: Logger,
		options: { pollMs?: number } = {}
	) {
		this.requests = new LeasedQueue(redis, { queue: QUEUE, prefix: PREFIX });
		this.loop = new QueueLoop(() => this.handleDue(), { name: 'password reset', batch: BATCH, pollMs: options.pollMs ?? 1000, log });
	}

	start(): void {
		this.loop.start();
	}

	stop(): Promise<void> {
		return this.loop.stop();
	}

	/** Asks for a link for this address; the answer never tells whether it has an account. */
	async request(input: unknown, clientAddress: string, now = Date.now()): Promise<void> {
		const { email } = parse(requestSchema, input);
		await limitRate(this.redis, `reset:${addressBucket(clientAddress)}`, 10, 3600);
		await limitRate(this.redis, `reset-email:${email}`, 5, 3600);
		const id = newId(16);
		await this.redis
			.multi()
			.hset(PREFIX + id, { id, email, status: 'pending', attempts: '0' })
			.expire(PREFIX + id, REQUEST_SECONDS)
			.zadd(QUEUE, now, id)
			.exec();
		this.loop.wake();
	}

	/** One pass of the worker: mails a link for each queued address that has an account. */
	async handleDue(now = Date.now()): Promise<number> {
		const claimed = await this.requests.claim(BATCH, 60_000, newId(12), now);
		for (const job of claimed) {
			try {
				await this.mailLink(job.fields.email ?? '');
				await this.requests.finish(job, { retryAt: null, fields: { status: 'done' }, remove: true });
			} catch (error) {
				const attempts = Number(job.fields.attempts ?? 1);
				this.log.error({ err: error, attempt: attempts }, 'could not handle a password reset request');
				const retryAt = attempts < MAX_ATTEMPTS ? now + 5000 * attempts : null;
				await this.requests.finish(job, { retryAt, fields: { status: retryAt ? 'pending' : 'failed' }, remove: retryAt === null });
			}
		}
		return claimed.length;
	}

	private async mailLink(email: string): Promise<void> {
		const id = email ? await this.accounts.idForEmail(email) : null;
		const user = id ? await this.accounts.user(id) : null;
		if (!user) return; // unknown or deleted: no mail, and the asker was told the same as anyone
		const token = await this.accounts.tokens.issue('reset-password', user.id);
		await this.mail.mailer.send(user.email, templates.passwordReset({ link: this.mail.links.url(`/account/reset/${token}`) }), { kind: 'passwordReset', userId: user.id });
	}

	/** Whether a reset link is still good, without using it (the page shows the form only then). */
	async check(token: string): Promise<void> {
		await this.accounts.tokens.peek('reset-password', token);
	}

	/**
	 * Sets the new password from a reset link, signs out every session of the account (closing
	 * their live connections) and starts a new one for the browser that did it.
	 */
	async reset(token: string, input: unknown, origin: SessionOrigin): Promise<{ user: User; sessionToken: string }> {
		// Checked before the link is used up, so a too-short password does not cost the link.
		const { password } = parse(z.object({ password: newPasswordSchema }), input);
		const { userId } = await this.accounts.tokens.redeem('reset-password', token);
		const user = await this.accounts.user(userId);
		if (!user) throw new DomainError('TOKEN_INVALID', 'This link is not valid any more.');
		await this.accounts.setPassword(userId, password);
		await this.accounts.sessions.endAll(userId);
		await this.sockets.disconnectPerson(userId);
		// Following the link proved the address, so it counts as confirmed too.
		await this.accounts.markEmailConfirmed(userId);
		const sessionToken = await this.accounts.createSession(userId, origin);
		await this.mail.mailer.send(user.email, templates.passwordChanged({ settingsUrl: this.mail.links.url('/account') }), { kind: 'passwordChanged', userId });
		return { user: { ...user, emailConfirmed: true }, sessionToken };
	}
}
