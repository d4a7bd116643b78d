import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { linkIn, smtpInboxForThisFile } from '../support/smtp-inbox.js';

const inbox = smtpInboxForThisFile();
const site = siteForThisFile({ browser: false, env: () => ({ SMTP_URL: inbox.url, MAIL_FROM: 'Gigstage <gigs@example.test>', MAIL_RETRY_SECONDS: '1', DEV_PAYMENTS: 'true' }) });
const password = 'correct horse battery staple';
let n = 0;
const email = () => `signup-${Date.now()}-${n++}@example.test`;

async function signUp(address = email()): Promise<{ http: HttpClient; address: string }> {
	const http = new HttpClient(site.url);
	expect((await http.post('/signup', { email: address, password, displayName: 'Test Person' })).status).toBe(303);
	return { http, address };
}

const confirmationOf = (address: string) => inbox.waitFor(`the confirmation mail to ${address}`, (m) => m.envelopeTo.includes(address) && /confirm your email/i.test(m.subject ?? ''));

describe('confirming the email at sign-up', () => {
	it('mails a one-time link; following it (a page, then one press) confirms the address', async () => {
		const { http, address } = await signUp();
		const mail = await confirmationOf(address);
		expect(mail.from?.value[0]?.address).toBe('gigs@example.test');
		expect(mail.html).toContain('Confirm my email');
		const link = linkIn(mail, '/account/confirm/');
		expect(link.origin).toMatch(/^http:\/\/localhost:\d+$/);
		// Opening the link (as a mail scanner would) confirms nothing yet.
		const page = await http.get(link.pathname);
		expect(page.status).toBe(200);
		expect(page.text).toContain(address);
		expect(page.headers.get('referrer-policy')).toBe('no-referrer');
		expect((await http.get('/')).text).toContain('Confirm your email.');
		const confirmed = await http.post(link.pathname, {});
		expect(confirmed.status).toBe(200);
		expect(confirmed.text).toContain('your email is confirmed');
		expect((await http.get('/')).text).not.toContain('Confirm your email.');
		expect((await http.post('/me?/becomeCreator', { displayName: 'Confirmed Band', wallet: '' })).status).toBeLessThan(400);
		// Used once: the same link is refused from then on.
		const again = await new HttpClient(site.url).post(link.pathname, {});
		expect(again.status).toBe(410);
		expect(again.text).toContain('not valid any more');
	});

	it('lets an unconfirmed person get free tickets, but not pay, become a creator or create gigs', async () => {
		const creator = await site.make.person('creator');
		const free = await site.make.gig(creator, { title: 'Free gig', price: '0' });
		const paid = await site.make.gig(creator, { title: 'Paid gig', price: '9' });
		const { http, address } = await signUp();
		const freeTicket = await http.post(`/gigs/${free.id}?/buy`, { method: 'free' });
		expect(freeTicket.status).toBe(200);
		expect(await site.make.tickets.holders(free.id)).toHaveLength(1);
		const paying = await http.post(`/gigs/${paid.id}?/buy`, { method: 'dev' });
		expect(paying.status).toBe(403);
		expect(paying.text).toContain('Confirm your email first');
		expect(await store().zcard(`gs:gig-holds:${paid.id}`)).toBe(0);
		const becoming = await http.post('/me?/becomeCreator', { displayName: 'Not Yet', wallet: '' });
		expect(becoming.status).toBe(403);
		// Even an unconfirmed account holding the creator role (say, given by an operator) cannot create gigs.
		const id = (await site.make.accounts.idForEmail(address))!;
		await store().hset(`gs:user:${id}`, 'role', 'creator');
		const creating = await http.post('/gigs/new', { title: 'Sneaky gig', category: 'concert', startsAtLocal: '2031-01-01T20:00', timeZone: 'UTC', durationMinutes: '60', price: '0', currency: 'EUR' });
		expect(creating.status).toBe(403);
		expect(creating.text).toContain('Confirm your email first');
	});

	it('sends the link again from the banner, voiding the old one, at most once a minute', async () => {
		const { http, address } = await signUp();
		const first = linkIn(await confirmationOf(address), '/account/confirm/');
		expect((await http.post('/account/confirm?/resend', {})).status).toBe(200);
		await inbox.waitFor('the second confirmation mail', () => inbox.to(address).length === 2);
		const second = linkIn(inbox.to(address)[1]!, '/account/confirm/');
		expect(second.pathname).not.toBe(first.pathname);
		const limited = await http.post('/account/confirm?/resend', {});
		expect(limited.status).toBe(429);
		expect(limited.text).toMatch(/Try again in \d+ seconds/);
		expect((await http.post(first.pathname, {})).status).toBe(410);
		expect((await http.post(second.pathname, {})).status).toBe(200);
	});

	it('sends the link again at most five times a day, then refuses with RATE_LIMITED and when to try again', async () => {
		const { http, address } = await signUp();
		await confirmationOf(address);
		const id = (await site.make.accounts.idForEmail(address))!;
		for (let resend = 1; resend <= 5; resend++) {
			// A minute has passed since the last one (only the daily limit is under test here).
			await store().del(`gs:rate:confirm-resend-minute:${id}`);
			expect((await http.post('/account/confirm?/resend', {})).status).toBe(200);
		}
		await store().del(`gs:rate:confirm-resend-minute:${id}`);
		const sixth = await http.post('/account/confirm?/resend', {});
		expect(sixth.status).toBe(429);
		expect(sixth.text).toContain('RATE_LIMITED');
		expect(sixth.text).toContain('Too many attempts. Try again in 24 hours.');
		// The sign-up mail and five more; the refused sixth sent nothing.
		await inbox.waitFor('six confirmation mails', () => inbox.to(address).length === 6);
		await expect.poll(() => store().zcard('gs:mail-queue')).toBe(0);
		expect(inbox.to(address)).toHaveLength(6);
	});

	it('refuses an expired link, and a link for another account than the one logged in', async () => {
		const { address } = await signUp();
		const link = linkIn(await confirmationOf(address), '/account/confirm/');
		const other = await signUp();
		const refused = await other.http.post(link.pathname, {});
		expect(refused.status).toBe(403);
		expect(refused.text).toContain('belongs to another account');
		const tokenId = link.pathname.split('/').pop()!.split('.')[0]!;
		await store().hset(`gs:token:${tokenId}`, 'expiresAt', String(Date.now() - 1000));
		const expired = await new HttpClient(site.url).get(link.pathname);
		expect(expired.text).toContain('This link has expired');
		expect((await new HttpClient(site.url).post(link.pathname, {})).status).toBe(410);
	});

	it('answers sign-up at once while SMTP is down, and delivers the link once it is back', async () => {
		await inbox.stop();
		const address = email();
		try {
			const started = performance.now();
			await signUp(address);
			expect(performance.now() - started).toBeLessThan(3000);
			const id = (await site.make.accounts.idForEmail(address))!;
			// The first attempt failed and is waiting for its retry.
			await expect.poll(async () => (await mailTo(address))?.attempts ?? '0', { timeout: 10_000 }).not.toBe('0');
		} finally {
			await inbox.start();
		}
		await confirmationOf(address);
	});
});

const store = () => site.redis;

/** The queued mail to an address, as stored in Redis. */
async function mailTo(address: string): Promise<Record<string, string> | null> {
	for (const id of await store().zrange('gs:mail-queue', '0', '-1')) {
		const mail = await store().hgetall(`gs:mail:${id}`);
		if (mail.to === address) return mail;
	}
	return null;
}
