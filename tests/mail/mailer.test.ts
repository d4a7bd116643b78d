import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Writable } from 'node:stream';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { Mailer, type MailerOptions } from '../../src/lib/server/mail/mailer.js';
import { SmtpTransport } from '../../src/lib/server/mail/transports.js';
import { SiteLinks } from '../../src/lib/server/site-links.js';
import type { Letter } from '../../src/lib/server/mail/letter.js';
import { redisForThisFile } from '../support/redis.js';
import { smtpInboxForThisFile } from '../support/smtp-inbox.js';
import { testLog } from '../support/log.js';
import { startExternalRedis } from '../support/redis-server.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { createLogger } from '../../server/log.js';

const store = redisForThisFile();
const inbox = smtpInboxForThisFile();
const links = new SiteLinks('https://gigs.example.org');
const started: { mailer: Mailer; connection: Redis }[] = [];
afterEach(async () => {
	for (const { mailer, connection } of started.splice(0)) {
		await mailer.stop();
		connection.disconnect();
	}
});

/** A Mailer as one Gigstage node builds it (its own Redis connection), retrying in milliseconds. */
function node(options: Partial<MailerOptions> = {}): Mailer {
	const connection = store.redis.duplicate();
	const mailer = new Mailer(connection, {
		transport: new SmtpTransport({ url: inbox.url, from: 'Gigstage <gigs@example.org>', timeoutMs: 2000 }),
		checks: { stillWanted: async () => true },
		links,
		log: testLog,
		retryBaseMs: 50,
		pollMs: 10,
		...options
	});
	started.push({ mailer, connection });
	return mailer;
}

let n = 0;
const address = () => `fan-${n++}@example.test`;
const letter = (over: Partial<Letter> = {}): Letter => ({
	subject: 'Hello',
	preview: 'A short preview',
	heading: 'Hello there',
	intro: ['First paragraph.'],
	...over
});
const about = { kind: 'ticketReceipt' as const };

describe('sending mail', () => {
	it('delivers plain text and HTML over SMTP with the attachment and headers, escaping what people wrote', async () => {
		const mailer = node();
		mailer.start();
		const to = address();
		const title = '<script>alert("x")</script> & <b>Jazz</b>';
		await mailer.send(
			to,
			letter({ subject: `Your ticket: ${title}\nBcc: victim@example.test`, heading: title, intro: [`By ${title}`], details: [['Gig', title]], button: { label: 'Watch', url: 'https://gigs.example.org/gigs/abc/watch' } }),
			about,
			{ attachments: [{ filename: 'jazz.ics', contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }], headers: { 'List-Unsubscribe': '<https://gigs.example.org/mail/unsubscribe/t/one-click>' } }
		);
		const mail = await inbox.waitFor('the letter', (m) => m.envelopeTo.includes(to));
		expect(mail.from?.value[0]).toMatchObject({ name: 'Gigstage', address: 'gigs@example.org' });
		expect(mail.subject).toBe(`Your ticket: ${title} Bcc: victim@example.test`);
		expect(mail.headers.get('bcc')).toBeUndefined();
		expect(mail.text).toContain(`By ${title}`);
		expect(mail.text).toContain('https://gigs.example.org/gigs/abc/watch');
		expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Jazz&lt;/b&gt;');
		expect(mail.html).not.toContain('<script>');
		expect(mail.html).not.toContain('<b>Jazz');
		expect(mail.html).toContain('href="https://gigs.example.org/gigs/abc/watch"');
		expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
		// Its id, so a copy sent again after a lost outcome is the same message to mail programs.
		expect(mail.messageId).toMatch(/^<mail_[a-z0-9]{16}@example\.org>$/);
		expect(mail.headers.get('list')).toMatchObject({ unsubscribe: { url: 'https://gigs.example.org/mail/unsubscribe/t/one-click' } });
		expect(mail.attachments).toHaveLength(1);
		expect(mail.attachments[0]).toMatchObject({ filename: 'jazz.ics', contentType: 'text/calendar' });
	});

	it('never makes a link of anything but http(s)', async () => {
		const mailer = node();
		mailer.start();
		const to = address();
		await mailer.send(to, letter({ button: { label: 'Click', url: 'javascript:alert(1)' } }), about);
		const mail = await inbox.waitFor('the letter', (m) => m.envelopeTo.includes(to));
		expect(mail.html).not.toMatch(/href="javascript/i);
		expect(mail.html).toContain('Click: javascript:alert(1)');
	});

	it('answers at once while SMTP is down, retries, and delivers when it is back', async () => {
		await inbox.stop();
		try {
			const mailer = node();
			mailer.start();
			const to = address();
			const begun = performance.now();
			expect(await mailer.send(to, letter(), about)).toBe(true);
			expect(performance.now() - begun).toBeLessThan(500);
			await expect.poll(async () => (await store.redis.hget(await onlyQueued(), 'attempts')) ?? '0', { timeout: 5000 }).not.toBe('0');
			expect(inbox.to(to)).toHaveLength(0);
			await inbox.start();
			await inbox.waitFor('the retried letter', (m) => m.envelopeTo.includes(to));
			await expect.poll(() => store.redis.zcard('gs:mail-queue')).toBe(0);
		} finally {
			if (!inboxRunning()) await inbox.start();
		}
	});

	it('waits out a Redis outage quietly, failing fast, and sends what was queued once Redis is back', async () => {
		const external = await startExternalRedis();
		const lines: { level: number; msg: string }[] = [];
		const log = createLogger('debug', 'json', process.stdout, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
		const connection = await connectRedis({ url: external.url });
		const mailer = new Mailer(connection, { transport: new SmtpTransport({ url: inbox.url, from: 'Gigstage <gigs@example.org>', timeoutMs: 2000 }), checks: { stillWanted: async () => true }, links, log, pollMs: 50 });
		try {
			const to = address();
			await mailer.send(to, letter({ subject: 'Queued before' }), about);
			await external.kill();
			mailer.start();
			// Passes keep failing, each at once, and none of them says so above debug.
			await expect.poll(() => lines.filter((l) => /mail worker pass failed/.test(l.msg)).length, { timeout: 10_000 }).toBeGreaterThan(5);
			const begun = performance.now();
			await expect(mailer.send(to, letter({ subject: 'Refused' }), about)).rejects.toThrow();
			expect(performance.now() - begun).toBeLessThan(1000);

			await external.start();
			await inbox.waitFor('the mail queued before the outage', (m) => m.envelopeTo.includes(to) && m.subject === 'Queued before');
			await mailer.send(to, letter({ subject: 'Queued after' }), about);
			await inbox.waitFor('a mail queued after it', (m) => m.envelopeTo.includes(to) && m.subject === 'Queued after');
			expect(lines.filter((l) => l.level >= 40).map((l) => l.msg), 'warnings and errors logged').toEqual([]);
		} finally {
			await mailer.stop();
			connection.disconnect();
			await external.close();
		}
	}, 30_000);

	it('gives up at once on an address the server refuses, and lists the failure', async () => {
		const mailer = node();
		mailer.start();
		const to = address();
		inbox.refused.add(to);
		await mailer.send(to, letter({ subject: 'Refused one' }), about);
		await expect.poll(() => mailer.list('failed').then((l) => l.map((m) => m.subject)), { timeout: 5000 }).toContain('Refused one');
		const [failed] = await mailer.list('failed');
		expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
		expect(failed!.error).toMatch(/550/);
	});

	it('sends each mail once when two nodes’ workers race, and a mail queued while no node ran', async () => {
		const to = address();
		const first = node();
		for (let i = 0; i < 20; i++) await first.send(to, letter({ subject: `Mail ${i}` }), about);
		const second = node();
		first.start();
		second.start();
		await expect.poll(() => inbox.to(to).length, { timeout: 10_000 }).toBe(20);
		await new Promise((resolve) => setTimeout(resolve, 200)); // time for a duplicate to show up
		expect(new Set(inbox.to(to).map((m) => m.subject)).size).toBe(20);
		expect(inbox.to(to)).toHaveLength(20);
	});

	it('queues a `once` mail only the first time', async () => {
		const mailer = node();
		const to = address();
		expect(await mailer.send(to, letter(), about, { once: 'receipt:t1' })).toBe(true);
		expect(await mailer.send(to, letter(), about, { once: 'receipt:t1' })).toBe(false);
		mailer.start();
		await inbox.waitFor('the single mail', (m) => m.envelopeTo.includes(to));
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(inbox.to(to)).toHaveLength(1);
	});

	it('drops a mail that is no longer wanted when its turn comes', async () => {
		const mailer = node({ checks: { stillWanted: async (a) => a.gigId !== 'cancelled-gig' } });
		const to = address();
		await mailer.send(to, letter({ subject: 'Unwanted' }), { kind: 'startsSoon', gigId: 'cancelled-gig' });
		await mailer.send(to, letter({ subject: 'Wanted' }), { kind: 'startsSoon', gigId: 'other' });
		mailer.start();
		await inbox.waitFor('the wanted mail', (m) => m.envelopeTo.includes(to) && m.subject === 'Wanted');
		await expect.poll(() => store.redis.zcard('gs:mail-queue')).toBe(0);
		expect(inbox.to(to).map((m) => m.subject)).toEqual(['Wanted']);
	});

	it('stops within its shutdown step while a mail is stuck with an SMTP server that never answers, and keeps the mail for later', async () => {
		// Accepts connections and says nothing: no greeting, no error, until the client gives up.
		const held = new Set<net.Socket>();
		const silent = net.createServer((socket) => held.add(socket));
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		try {
			const port = (silent.address() as net.AddressInfo).port;
			const mailer = node({ transport: new SmtpTransport({ url: `smtp://127.0.0.1:${port}`, from: 'Gigstage <gigs@example.org>', timeoutMs: 30_000 }) });
			mailer.start();
			await mailer.send(address(), letter({ subject: 'Stuck' }), about);
			await expect.poll(async () => store.redis.hget(await onlyQueued(), 'claim'), { message: 'a worker took the mail' }).toBeTruthy();

			const begun = performance.now();
			await mailer.stop();
			// The mail queue's step in server/app.ts gives it 1000 ms of the shutdown bound.
			expect(performance.now() - begun, 'ms to stop').toBeLessThan(1000);
			expect(await store.redis.zcard('gs:mail-queue'), 'the mail waits for the next start').toBe(1);
		} finally {
			for (const socket of held) socket.destroy();
			silent.close();
			await store.redis.del('gs:mail-queue');
		}
	});

	it('keeps mail in the outbox without SMTP and says so in the log with the link', async () => {
		const lines: string[] = [];
		const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
		const mailer = node({ transport: null, log });
		mailer.start();
		const to = address();
		await mailer.send(to, letter({ subject: 'Kept' }), about);
		await expect.poll(() => mailer.list('outbox').then((l) => l.map((m) => m.subject)), { timeout: 5000 }).toContain('Kept');
		const [kept] = await mailer.list('outbox');
		expect(kept).toMatchObject({ to, status: 'outbox' });
		expect(kept!.html).toContain('Hello there');
		expect(lines.join('')).toContain(`https://gigs.example.org/admin/outbox/${kept!.id}`);
		expect(lines.join('')).not.toContain(to);
		expect(inbox.to(to)).toHaveLength(0);
	});
});

async function onlyQueued(): Promise<string> {
	const [id] = await store.redis.zrange('gs:mail-queue', '0', '0');
	return `gs:mail:${id}`;
}

function inboxRunning(): boolean {
	return (inbox as unknown as { server: unknown }).server !== null;
}
