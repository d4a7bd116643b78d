import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { LeasedQueue } from '../queue/leased-queue.js';
import { QueueLoop } from '../queue/queue-loop.js';
import { templates } from '../mail/templates.js';
import type { Gigs } from '../gigs/gigs.js';
import type { Tickets } from '../tickets/tickets.js';
import type { ChatMessages } from '../chat/chat-messages.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import type { Follows } from '../creators/follows.js';
import { parse, type Accounts, type User } from './accounts.js';
import type { AccountMail } from './account-mail.js';
import type { SessionSockets } from './session-sockets.js';

const PREFIX = 'gs:account-erasure:';
const QUEUE = 'gs:account-erasures';
const DAY_MS = 24 * 3600_000;

const deleteSchema = z.object({ currentPassword: z.string().min(1, 'Enter your password to confirm').max(200) });

export type AccountDeletionOptions = {
	/** Days between deleting and erasing (ACCOUNT_ERASURE_DAYS). */
	graceDays: number;
	log: Logger;
	pollMs?: number;
};

/** What else an account leaves behind, erased with it. */
export type ErasedAlongside = { forget(userId: string): Promise<void> };

/**
 * Deleting an account: at once it is signed out everywhere (live connections closed), gone from
 * every page (follower counts too), its unsold upcoming gigs cancelled; after the grace period its personal data is
 * erased, its chat messages removed and its tickets kept as anonymous seats for the creators'
 * numbers. A creator with a live gig, or an upcoming one that sold tickets, must cancel it first.
 */
export class AccountDeletion {
	private readonly erasures: LeasedQueue;
	private readonly loop: QueueLoop;

	constructor(
		private readonly redis: Redis,
		private readonly domain: { accounts: Accounts; gigs: Gigs; tickets: Tickets; messages: ChatMessages; webhooks: Pick<Webhooks, 'removeUrl'>; follows: Pick<Follows, 'forget'>; alongside: ErasedAlongside[] },
		private readonly sockets: SessionSockets,
		private readonly mail: AccountMail,
		private readonly options: AccountDeletionOptions
	) {
		this.erasures = new LeasedQueue(redis, { queue: QUEUE, prefix: PREFIX });
		this.loop = new QueueLoop(() => this.eraseDue(), { name: 'account erasure', batch: 10, pollMs: options.pollMs ?? 60_000, log: options.log });
	}

	/** Days between deleting and erasing. */
	get graceDays(): number {
		return this.options.graceDays;
	}

	start(): void {
		this.loop.start();
	}

	stop(): Promise<void> {
		return this.loop.stop();
	}

	/** Gigs that stop this creator from leaving: live now, or upcoming with tickets sold. */
	async blockingGigs(user: User): Promise<{ id: string; title: string }[]> {
		const gigs = await this.domain.gigs.byCreator(user.id);
		const sold = await Promise.all(gigs.map((gig) => (gig.status === 'scheduled' ? this.domain.tickets.sold(gig.id) : Promise.resolve(0))));
		return gigs.filter((gig, i) => gig.status === 'live' || (gig.status === 'scheduled' && sold[i]! > 0)).map(({ id, title }) => ({ id, title }));
	}

	/** Deletes the account after checking its password; returns when its data will be erased. */
	async delete(user: User, input: unknown, now = Date.now()): Promise<{ eraseAt: number }> {
		const { currentPassword } = parse(deleteSchema, input);
		await limitRate(this.redis, `password-check:${user.id}`, 10, 900);
		if (!(await this.domain.accounts.passwordMatches(user.id, currentPassword))) {
			throw new DomainError('WRONG_PASSWORD', 'That is not your password.', { currentPassword: 'That is not your password' });
		}
		const blocking = await this.blockingGigs(user);
		if (blocking.length) {
			const titles = blocking.map((g) => `“${g.title}”`).join(', ');
			throw new DomainError('ACCOUNT_HAS_GIGS', `Cancel your upcoming gigs that sold tickets (or end the live one) first: ${titles}.`);
		}
		for (const gig of await this.domain.gigs.byCreator(user.id)) {
			if (gig.status === 'scheduled') await this.domain.gigs.cancel(gig.id, user);
		}
		const eraseAt = now + this.options.graceDays * DAY_MS;
		await this.domain.accounts.markDeleted(user.id, now);
		await this.redis.multi().hset(PREFIX + user.id, { id: user.id, status: 'pending', attempts: '0' }).zadd(QUEUE, eraseAt, user.id).exec();
		await this.domain.accounts.sessions.endAll(user.id);
		await this.sockets.disconnectPerson(user.id);
		for (const purpose of ['confirm-email', 'reset-password', 'change-email'] as const) await this.domain.accounts.tokens.revoke(purpose, user.id);
		if (user.role !== 'viewer') await this.domain.webhooks.removeUrl(user);
		await this.domain.follows.forget(user.id);
		const eraseOn = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: user.timeZone ?? 'UTC' }).format(eraseAt);
		await this.mail.mailer.send(user.email, templates.accountDeleted({ eraseOn }), { kind: 'accountDeleted' });
		this.options.log.info({ userId: user.id, eraseAt }, 'account deleted');
		return { eraseAt };
	}

	/** One pass: erases every deleted account whose grace period is over. Tests call it with their clock. */
	async eraseDue(now = Date.now()): Promise<number> {
		const claimed = await this.erasures.claim(10, 10 * 60_000, newId(12), now);
		for (const job of claimed) {
			try {
				await this.erase(job.id, now);
				await this.erasures.finish(job, { retryAt: null, fields: { status: 'done' }, remove: true });
			} catch (error) {
				this.options.log.error({ err: error, userId: job.id }, 'could not erase a deleted account; will retry');
				await this.erasures.finish(job, { retryAt: now + 10 * 60_000, fields: { status: 'pending' } });
			}
		}
		return claimed.length;
	}

	private async erase(userId: string, now: number): Promise<void> {
		const { accounts, gigs, tickets, messages } = this.domain;
		const chats = new Set((await tickets.forUser(userId)).map((t) => t.gigId));
		for (const gig of await gigs.byCreator(userId)) chats.add(gig.id);
		for (const gigId of chats) await messages.removeAuthor(gigId, userId);
		await tickets.anonymise(userId);
		await accounts.sessions.forget(userId);
		for (const other of this.domain.alongside) await other.forget(userId);
		await accounts.erase(userId, now);
		this.options.log.info({ userId }, 'deleted account erased');
	}
}
