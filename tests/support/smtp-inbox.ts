import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll } from 'vitest';

export type ReceivedMail = ParsedMail & { envelopeTo: string[]; raw: string };

/**
 * A real SMTP server on a loopback port, in the test process: Gigstage's nodemailer talks SMTP to
 * it and each mail is parsed with mailparser. It can go down and come back on the same port, and
 * refuse chosen addresses with a permanent 550.
 */
export class SmtpInbox {
	readonly received: ReceivedMail[] = [];
	/** Addresses answered with "550 no such user". */
	readonly refused = new Set<string>();
	private server: SMTPServer | null = null;
	private port = 0;

	get url(): string {
		return `smtp://127.0.0.1:${this.port}`;
	}

	async start(): Promise<this> {
		const server = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS', 'AUTH'],
			logger: false,
			closeTimeout: 100,
			onRcptTo: (address, _session, callback) => {
				if (this.refused.has(address.address.toLowerCase())) {
					callback(Object.assign(new Error('no such user here'), { responseCode: 550 }));
				} else callback();
			},
			onData: (stream, session, callback) => {
				const chunks: Buffer[] = [];
				stream.on('data', (chunk: Buffer) => chunks.push(chunk));
				stream.on('end', () => {
					const raw = Buffer.concat(chunks).toString('utf8');
					simpleParser(raw).then(
						(parsed) => {
							this.received.push(Object.assign(parsed, { raw, envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
							callback();
						},
						(error: Error) => callback(error)
					);
				});
			}
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(this.port, '127.0.0.1', () => resolve());
		});
		this.port = (server.server.address() as { port: number }).port;
		this.server = server;
		return this;
	}

	/** Stops listening: connections are refused until `start()` is called again (same port). */
	async stop(): Promise<void> {
		const server = this.server;
		this.server = null;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/** Mails to `address`, in arrival order. */
	to(address: string): ReceivedMail[] {
		return this.received.filter((m) => m.envelopeTo.includes(address.toLowerCase()));
	}

	/** Waits until a mail matching `match` has arrived; the failure says what was expected and what came. */
	async waitFor(what: string, match: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const found = this.received.find(match);
			if (found) return found;
			if (Date.now() > deadline) {
				const seen = this.received.map((m) => `${m.envelopeTo.join(',')}: ${m.subject}`).join('\n  ') || '(nothing)';
				throw new Error(`no mail arrived for ${what} within ${timeoutMs} ms; received:\n  ${seen}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
	}
}

/** An SmtpInbox for the test file: started before its tests, stopped after. */
export function smtpInboxForThisFile(): SmtpInbox {
	const inbox = new SmtpInbox();
	beforeAll(() => inbox.start());
	afterAll(() => inbox.stop());
	return inbox;
}

/** The first link in a mail's text part that starts with `prefix` (e.g. a site's base URL plus a path). */
export function linkIn(mail: Pick<ParsedMail, 'text'>, pathPrefix: string): URL {
	const found = (mail.text ?? '').match(/https?:\/\/\S+/g)?.map((u) => new URL(u)).find((u) => u.pathname.startsWith(pathPrefix));
	if (!found) throw new Error(`no link to ${pathPrefix}… in the mail:\n${mail.text}`);
	return found;
}

/** A header's value as it was sent (mailparser folds the List-* family into one parsed object). */
export function rawHeader(mail: Pick<ParsedMail, 'headerLines'>, name: string): string | undefined {
	const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
	return line?.slice(line.indexOf(':') + 1).replace(/\r?\n\s+/g, ' ').trim();
}
