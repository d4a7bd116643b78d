import { createTransport } from 'nodemailer';
import type { StoredMail } from './outgoing.js';

/** What one attempt came to. A permanent failure (the server refused the address) is not retried. */
export type SendResult = { ok: true } | { ok: false; permanent: boolean; error: string };

/** Where mail is handed over for delivery (an SMTP server; tests may bring their own). */
export interface MailTransport {
	send(mail: StoredMail): Promise<SendResult>;
	close(): void;
}

export type SmtpOptions = {
	/** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. */
	url: string;
	/** The From header, e.g. `Gigstage <gigs@example.org>`. */
	from: string;
	/** How long to wait for the server at each step of a delivery. */
	timeoutMs: number;
};

/** Sends through an SMTP server with nodemailer, one connection per mail. */
export class SmtpTransport implements MailTransport {
	private readonly transport: ReturnType<typeof createTransport>;

	constructor(private readonly options: SmtpOptions) {
		const url = new URL(options.url);
		this.transport = createTransport({
			host: url.hostname.replace(/^\[|\]$/g, ''),
			port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
			secure: url.protocol === 'smtps:',
			auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
			connectionTimeout: options.timeoutMs,
			greetingTimeout: options.timeoutMs,
			socketTimeout: options.timeoutMs * 2
		});
	}

	async send(mail: StoredMail): Promise<SendResult> {
		try {
			await this.transport.sendMail({
				// The mail's own id: a copy sent again (its outcome was lost to an outage) is the same message to mail programs.
				messageId: `<${mail.id}@${senderDomain(this.options.from)}>`,
				from: this.options.from,
				to: mail.to,
				subject: mail.subject,
				text: mail.text,
				html: mail.html,
				headers: mail.headers,
				attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content }))
			});
			return { ok: true };
		} catch (error) {
			return failure(error as Error & { code?: string; responseCode?: number });
		}
	}

	close(): void {
		this.transport.close();
	}
}

/** "Gigstage <gigs@example.org>" → "example.org". */
function senderDomain(from: string): string {
	return /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'gigstage.invalid';
}

/** A 5xx answer about the recipient will not change on a retry; anything else (down, busy, 4xx, login) may. */
function failure(error: Error & { code?: string; responseCode?: number; response?: string }): SendResult {
	const permanent = error.code === 'EENVELOPE' && (error.responseCode ?? 0) >= 500;
	const detail = error.response ?? error.message;
	return { ok: false, permanent, error: `${error.code ? `${error.code}: ` : ''}${detail}`.slice(0, 300) };
}
