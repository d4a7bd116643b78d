import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import type { Person } from '../support/fixtures.js';

// No SMTP_URL: mail is kept in the outbox.
const site = siteForThisFile({ browser: false });
const password = 'correct horse battery staple';
let n = 0;

async function admin(): Promise<Person> {
	const person = await site.make.person();
	await site.redis.hset(`gs:user:${person.user.id}`, 'role', 'admin');
	return person;
}

/** The outbox's mail ids, newest first, as the admin's page lists them. */
async function outboxIds(http: HttpClient): Promise<string[]> {
	return [...(await http.get('/admin/outbox')).text.matchAll(/href="\/admin\/outbox\/(mail_[a-z0-9]+)"/g)].map((m) => m[1]!);
}

describe('the outbox (no SMTP server)', () => {
	it('says at start-up where the outbox is, and announces each kept mail with its link', async () => {
		const address = `outbox-${Date.now()}-${n++}@example.test`;
		await new HttpClient(site.url).post('/signup', { email: address, password, displayName: 'Test Person' });
		await expect.poll(() => site.server.logs.some((l) => l.includes('mail kept in the outbox') && l.includes('/admin/outbox/mail_'))).toBe(true);
		expect(site.server.logs.some((l) => /no SMTP_URL/.test(l) && /http:\/\/localhost:\d+\/admin\/outbox/.test(l))).toBe(true);
		expect(site.server.logs.join('\n')).not.toContain(address);
	});

	it('shows kept mail to admins only, and lets an admin follow a confirmation link from it', async () => {
		const address = `outbox-${Date.now()}-${n++}@example.test`;
		const newcomer = new HttpClient(site.url);
		await newcomer.post('/signup', { email: address, password, displayName: 'Test Person' });
		expect((await newcomer.get('/admin/outbox')).status).toBe(404);
		expect((await new HttpClient(site.url).get('/admin/outbox')).location).toContain('/login');

		const operator = new HttpClient(site.url).useSession((await admin()).token);
		await expect.poll(async () => (await operator.get('/admin/outbox')).text).toContain(address);
		const [id] = await outboxIds(operator);
		const page = await operator.get(`/admin/outbox/${id}`);
		expect(page.text).toContain('Confirm your email for Gigstage');
		const link = /http:\/\/localhost:\d+(\/account\/confirm\/[\w.-]+)/.exec(page.text)?.[1];
		expect(link).toBeDefined();
		expect((await newcomer.post(link!, {})).text).toContain('your email is confirmed');
		expect((await newcomer.get(`/admin/outbox/${id}/html`)).status).toBe(404);
	});

	it('serves a mail’s HTML sandboxed, and its calendar file as the recipient gets it', async () => {
		const operator = new HttpClient(site.url).useSession((await admin()).token);
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator, { title: 'Outbox <i>gig</i>' });
		const fan = new HttpClient(site.url).useSession((await site.make.person()).token);
		await fan.post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		await expect.poll(async () => (await operator.get('/admin/outbox')).text).toContain('Your ticket: Outbox &lt;i>gig&lt;/i>');
		const [id] = await outboxIds(operator);
		const html = await operator.get(`/admin/outbox/${id}/html`);
		expect(html.headers.get('content-security-policy')).toMatch(/^sandbox/);
		expect(html.text).toContain('Outbox &lt;i&gt;gig&lt;/i&gt;');
		const ics = await operator.get(`/admin/outbox/${id}/attachments/0`);
		expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/);
		const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics.text)).getFirstSubcomponent('vevent')!);
		expect(event.summary).toBe('Outbox <i>gig</i>');
		expect(event.startDate.toJSDate().getTime()).toBe(gig.startsAt);
		expect((await operator.get(`/admin/outbox/${id}/attachments/7`)).status).toBe(404);
	});
});
