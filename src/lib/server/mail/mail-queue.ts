import type { Redis } from 'ioredis';
import { LeasedQueue, type ClaimedJob } from '../queue/leased-queue.js';
import type { MailStatus, OutgoingMail, StoredMail } from './outgoing.js';

const MAIL_PREFIX = 'gs:mail:';
const key = {
	queue: 'gs:mail-queue',
	mail: (id: string) => MAIL_PREFIX + id,
	once: (what: string) => `gs:mail-once:${what}`,
	outbox: 'gs:mail-outbox',
	failed: 'gs:mail-failed'
};

/** How many mails the outbox keeps, newest first, and for how long. */
export const OUTBOX_LENGTH = 200;
const OUTBOX_SECONDS = 14 * 24 * 3600;
/** Failed mails stay for the admin to see why, for a week, the last 50. */
const FAILED_LENGTH = 50;
const FAILED_SECONDS = 7 * 24 * 3600;
// Once a receipt or a reminder has gone out, a repeat is ignored for this long.
const ONCE_SECONDS = 90 * 24 * 3600;

// With a `once` key, a mail is queued only the first time: two nodes reminding of the same gig,
// or a payment notification retried, queue it once.
const ENQUEUE = `
local queue, mail = KEYS[1], KEYS[2]
local id, now, onceSeconds = ARGV[1], ARGV[2], ARGV[3]
if KEYS[3] and not redis.call('SET', KEYS[3], id, 'NX', 'EX', onceSeconds) then return 0 end
redis.call('HSET', mail, unpack(ARGV, 4))
redis.call('ZADD', queue, now, id)
return 1
`;

// A list of ids, newest first, capped: the mails that fall off it are deleted with it.
const KEEP = `
local list, mail = KEYS[1], KEYS[2]
local id, keep, seconds, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
redis.call('LPUSH', list, id)
for _, old in ipairs(redis.call('LRANGE', list, keep, -1)) do redis.call('DEL', prefix .. old) end
redis.call('LTRIM', list, 0, keep - 1)
redis.call('EXPIRE', mail, seconds)
return 1
`;

export type ClaimedMail = StoredMail & { claim: string };

/** Mails waiting to be sent, the outbox, and recent failures; in Redis so a restart loses nothing. */
export class MailQueue {
	private readonly jobs: LeasedQueue;

	constructor(private readonly redis: Redis) {
		this.jobs = new LeasedQueue(redis, { queue: key.queue, prefix: MAIL_PREFIX });
	}

	/** Queues a mail, due now. False if `once` was used before. */
	async enqueue(id: string, mail: OutgoingMail, once?: string, now = Date.now()): Promise<boolean> {
		const fields = {
			id,
			...serialise(mail),
			status: 'pending',
			attempts: '0',
			createdAt: String(now),
			nextAttemptAt: String(now)
		};
		const keys = [key.queue, key.mail(id), ...(once ? [key.once(once)] : [])];
		const queued = await this.redis.eval(ENQUEUE, keys.length, ...keys, id, now, ONCE_SECONDS, ...Object.entries(fields).flat());
		return queued === 1;
	}

	async claim(limit: number, leaseMs: number, claim: string, now = Date.now()): Promise<ClaimedMail[]> {
		const jobs = await this.jobs.claim(limit, leaseMs, claim, now);
		return jobs.map((job: ClaimedJob) => ({ ...deserialise(job.fields), claim: job.claim }));
	}

	/** Sent: the mail is deleted (its text may hold one-time links). False if the claim was lost. */
	sent(mail: ClaimedMail): Promise<boolean> {
		return this.jobs.finish(mail, { retryAt: null, fields: { status: 'sent', error: '' }, remove: true });
	}

	/** Not wanted any more (the gig was cancelled, the person turned it off): deleted unsent. */
	dropped(mail: ClaimedMail): Promise<boolean> {
		return this.jobs.finish(mail, { retryAt: null, fields: { status: 'dropped' }, remove: true });
	}

	retry(mail: ClaimedMail, at: number, error: string): Promise<boolean> {
		return this.jobs.finish(mail, { retryAt: at, fields: { status: 'pending', error, nextAttemptAt: String(at) } });
	}

	/** Given up: kept a while on the failed list for the admin. */
	async failed(mail: ClaimedMail, error: string): Promise<boolean> {
		if (!(await this.jobs.finish(mail, { retryAt: null, fields: { status: 'failed', error, nextAttemptAt: '' } }))) return false;
		await this.redis.eval(KEEP, 2, key.failed, key.mail(mail.id), mail.id, FAILED_LENGTH, FAILED_SECONDS, MAIL_PREFIX);
		return true;
	}

	/** Kept in the outbox instead of sent (no SMTP server configured). */
	async kept(mail: ClaimedMail): Promise<boolean> {
		if (!(await this.jobs.finish(mail, { retryAt: null, fields: { status: 'outbox', error: '', nextAttemptAt: '' } }))) return false;
		await this.redis.eval(KEEP, 2, key.outbox, key.mail(mail.id), mail.id, OUTBOX_LENGTH, OUTBOX_SECONDS, MAIL_PREFIX);
		return true;
	}

	/** The outbox (or the failed list), newest first. */
	async list(which: 'outbox' | 'failed', limit = OUTBOX_LENGTH): Promise<StoredMail[]> {
		const ids = await this.redis.lrange(which === 'outbox' ? key.outbox : key.failed, 0, limit - 1);
		const rows = await Promise.all(ids.map((id) => this.redis.hgetall(key.mail(id))));
		return rows.filter((f) => f.id).map(deserialise);
	}

	async get(id: string): Promise<StoredMail | null> {
		if (!/^[a-z0-9_]{1,40}$/.test(id)) return null;
		const f = await this.redis.hgetall(key.mail(id));
		return f.id ? deserialise(f) : null;
	}

	/** Mails waiting to be sent (due or retrying later). */
	waiting(): Promise<number> {
		return this.jobs.size();
	}
}

function serialise(mail: OutgoingMail): Record<string, string> {
	return {
		to: mail.to,
		subject: mail.subject,
		text: mail.text,
		html: mail.html,
		headers: JSON.stringify(mail.headers),
		attachments: JSON.stringify(mail.attachments),
		about: JSON.stringify(mail.about)
	};
}

const numberOrNull = (value: string | undefined) => (value ? Number(value) : null);

function deserialise(f: Record<string, string>): StoredMail {
	return {
		id: f.id!,
		to: f.to ?? '',
		subject: f.subject ?? '',
		text: f.text ?? '',
		html: f.html ?? '',
		headers: JSON.parse(f.headers || '{}') as Record<string, string>,
		attachments: JSON.parse(f.attachments || '[]') as OutgoingMail['attachments'],
		about: JSON.parse(f.about || '{}') as OutgoingMail['about'],
		status: f.status as MailStatus,
		attempts: Number(f.attempts ?? 0),
		createdAt: Number(f.createdAt),
		lastAttemptAt: numberOrNull(f.lastAttemptAt),
		nextAttemptAt: f.status === 'pending' ? numberOrNull(f.nextAttemptAt) : null,
		error: f.error || null
	};
}
