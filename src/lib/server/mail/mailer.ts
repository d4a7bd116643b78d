import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { QueueLoop } from '../queue/queue-loop.js';
import { retryDelayMs } from '../queue/retry.js';
import type { SiteLinks } from '../site-links.js';
import { renderLetter, type Letter } from './letter.js';
import { MailQueue, type ClaimedMail } from './mail-queue.js';
import type { MailAbout, MailAttachment, StoredMail } from './outgoing.js';
import type { MailTransport } from './transports.js';

/** Asked just before a queued mail goes out: is it still wanted (see MailAbout)? */
export type MailChecks = { stillWanted(about: MailAbout): Promise<boolean> };

export type MailerOptions = {
	/** The SMTP server; null keeps mail in the outbox for admins (no SMTP_URL). */
	transport: MailTransport | null;
	checks: MailChecks;
	links: SiteLinks;
	log: Logger;
	/** The first retry's delay; later ones grow (see queue/retry.ts). */
	retryBaseMs?: number;
	maxAttempts?: number;
	pollMs?: number;
	/** How long one SMTP step may take; a claim lasts six times this. */
	timeoutMs?: number;
};

export type SendOptions = { attachments?: MailAttachment[]; headers?: Record<string, string>; once?: string };

const BATCH = 10;

/**
 * Sending mail: pages and domain modules queue a letter here and move on at once; every node's
 * worker claims due mails from Redis, checks they are still wanted, and hands them to SMTP (or
 * keeps them in the outbox), retrying with growing delays while the server is down or busy.
 */
export class Mailer {
	readonly queue: MailQueue;
	private readonly loop: QueueLoop;
	private readonly shutdown = new AbortController();
	private readonly stopped = new Promise<void>((resolve) => this.shutdown.signal.addEventListener('abort', () => resolve(), { once: true }));
	private readonly retryBaseMs: number;
	private readonly maxAttempts: number;
	private readonly timeoutMs: number;

	constructor(
		redis: ConstructorParameters<typeof MailQueue>[0],
		private readonly options: MailerOptions
	) {
		this.queue = new MailQueue(redis);
		this.retryBaseMs = options.retryBaseMs ?? 10_000;
		this.maxAttempts = options.maxAttempts ?? 10;
		this.timeoutMs = options.timeoutMs ?? 10_000;
		this.loop = new QueueLoop(() => this.sendDue(), { name: 'mail', batch: BATCH, pollMs: options.pollMs ?? 1000, log: options.log });
	}

	/** How mail links to this site. */
	get links(): SiteLinks {
		return this.options.links;
	}

	/** Whether mail stays in the outbox (no SMTP server). */
	get usesOutbox(): boolean {
		return this.options.transport === null;
	}

	/** Queues a letter for `to`. False when `once` was used before (it was sent already). Never waits for SMTP. */
	async send(to: string, letter: Letter, about: MailAbout, options: SendOptions = {}): Promise<boolean> {
		const rendered = renderLetter(letter);
		const queued = await this.queue.enqueue(
			`mail_${newId(16)}`,
			{
				to,
				...rendered,
				// Automatic mail: out-of-office replies should not answer it.
				headers: { 'Auto-Submitted': 'auto-generated', ...options.headers },
				attachments: options.attachments ?? [],
				about
			},
			options.once
		);
		if (queued) this.loop.wake();
		return queued;
	}

	start(): void {
		this.loop.start();
	}

	/** Stops the worker; an attempt still talking to SMTP is left to its claim and retried later. */
	async stop(): Promise<void> {
		this.shutdown.abort();
		await this.loop.stop();
		this.options.transport?.close();
	}

	/** One pass: attempts every due mail it can claim, up to a batch. Returns how many. Tests call it with their clock. */
	async sendDue(now = Date.now()): Promise<number> {
		const claimed = await this.queue.claim(BATCH, this.timeoutMs * 6, newId(12), now);
		await Promise.race([Promise.all(claimed.map((mail) => this.attempt(mail, now))), this.stopped]);
		return claimed.length;
	}

	private async attempt(mail: ClaimedMail, now: number): Promise<void> {
		const log = { mailId: mail.id, kind: mail.about.kind, to: maskAddress(mail.to), attempt: mail.attempts };
		try {
			if (!(await this.options.checks.stillWanted(mail.about))) {
				this.options.log.debug(log, 'mail no longer wanted, dropped');
				await this.queue.dropped(mail);
				return;
			}
			if (!this.options.transport) {
				await this.queue.kept(mail);
				this.options.log.info({ ...log, subject: mail.subject, outbox: this.options.links.url(`/admin/outbox/${mail.id}`) }, 'mail kept in the outbox (no SMTP_URL): an admin reads it there');
				return;
			}
			const result = await this.options.transport.send(mail);
			if (result.ok) {
				this.options.log.debug(log, 'mail sent');
				await this.queue.sent(mail);
			} else if (result.permanent || mail.attempts >= this.maxAttempts) {
				this.options.log.warn({ ...log, error: result.error }, 'mail failed for good');
				await this.queue.failed(mail, result.error);
			} else {
				this.options.log.warn({ ...log, error: result.error }, 'mail attempt failed, will retry');
				await this.queue.retry(mail, now + retryDelayMs(mail.attempts, this.retryBaseMs), result.error);
			}
		} catch (error) {
			// Redis hiccup or a bug: the claim runs out and the mail is tried again.
			this.options.log.error({ ...log, err: error }, 'mail attempt could not be completed');
		}
	}

	/** The outbox or the failed list, newest first. */
	list(which: 'outbox' | 'failed'): Promise<StoredMail[]> {
		return this.queue.list(which);
	}

	get(id: string): Promise<StoredMail | null> {
		return this.queue.get(id);
	}
}

/** "p…@example.org": enough to tell mails apart in a log, not enough to harvest addresses. */
export function maskAddress(address: string): string {
	const at = address.lastIndexOf('@');
	return at > 0 ? `${address[0]}…${address.slice(at)}` : '…';
}
