import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { MAIL_TOPICS, type MailTopic } from '../mail/outgoing.js';
import type { SiteLinks } from '../site-links.js';

// Made once per installation, kept in Redis so every node signs and checks alike.
const SECRET_KEY = 'gs:mail-unsubscribe-secret';
const TOKEN = /^([a-z0-9]{1,40})\.([a-zA-Z]{1,20})\.([A-Za-z0-9_-]{43})$/;

export type UnsubscribeLink = { page: string; headers: Record<string, string> };

/**
 * Unsubscribe links: `<userId>.<topic>.<HMAC>`, good for as long as the person has the mail, so
 * anyone holding a reminder can stop that kind of reminder (and nothing else) without logging
 * in. The one-click form (RFC 8058) is what mail programs' "Unsubscribe" button POSTs.
 */
export class UnsubscribeTokens {
	private secret: Buffer | null = null;

	constructor(
		private readonly redis: Redis,
		private readonly links: SiteLinks
	) {}

	async link(userId: string, topic: MailTopic): Promise<UnsubscribeLink> {
		const token = `${userId}.${topic}.${await this.mac(userId, topic)}`;
		const page = this.links.url(`/mail/unsubscribe/${token}`);
		return { page, headers: { 'List-Unsubscribe': `<${page}/one-click>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
	}

	/** The person and the kind of mail a token stops; INVALID_INPUT for anything forged or mangled. */
	async read(token: string): Promise<{ userId: string; topic: MailTopic }> {
		const match = TOKEN.exec(token);
		const topic = match?.[2] as MailTopic | undefined;
		if (!match || !topic || !(MAIL_TOPICS as readonly string[]).includes(topic)) throw invalid();
		const expected = Buffer.from(await this.mac(match[1]!, topic));
		const given = Buffer.from(match[3]!);
		if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
		return { userId: match[1]!, topic };
	}

	private async mac(userId: string, topic: MailTopic): Promise<string> {
		return createHmac('sha256', await this.key()).update(`unsubscribe\n${userId}\n${topic}`).digest('base64url');
	}

	private async key(): Promise<Buffer> {
		if (this.secret) return this.secret;
		await this.redis.set(SECRET_KEY, randomBytes(32).toString('base64url'), 'NX');
		this.secret = Buffer.from((await this.redis.get(SECRET_KEY))!, 'base64url');
		return this.secret;
	}
}

function invalid(): DomainError {
	return new DomainError('INVALID_INPUT', 'This unsubscribe link is not valid. Change your email settings on your account page instead.');
}
