import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import type { Person } from '../support/fixtures.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { verifySignature } from '../../src/lib/server/webhooks/signature.js';

const receiver = webhookReceiverForThisFile();

// The receiver listens on 127.0.0.1, a private address: allowed here as a self-hoster would.
const site = siteForThisFile({ browser: false, env: () => ({ WEBHOOKS_ALLOW_PRIVATE: 'true' }) });

const as = (person: Person) => new HttpClient(site.url).useSession(person.token);

/** Reloads the webhooks page until `predicate` holds; the failure shows the deliveries table. */
async function pageShows(http: HttpClient, what: string, predicate: (html: string) => boolean, timeoutMs = 10_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const page = await http.get('/me/webhooks');
		if (predicate(page.text)) return page.text;
		if (Date.now() > deadline) {
			const rows = [...page.text.matchAll(/<tr data-testid="delivery"[^>]*>/g)].map((m) => m[0]);
			throw new Error(`/me/webhooks did not show ${what} within ${timeoutMs} ms; its rows: ${rows.join(' ') || 'none'}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

describe('webhooks over HTTP', () => {
	it('sends a signed ticket.issued for a free ticket bought through the gig page, and lists it delivered', async () => {
		const creator = await site.make.person('creator');
		const http = as(creator);
		const saved = await http.post('/me/webhooks?/save', { url: receiver.url });
		expect(saved.status).toBe(200);
		expect(saved.text).toContain('Webhook URL saved');
		// Shown in full once, right after it is made.
		const secret = /gswh_[A-Za-z0-9_-]{43}/.exec(saved.text)?.[0];
		expect(secret, 'the new signing secret on the page').toBeDefined();
		expect(saved.headers.get('cache-control')).toBe('private, no-store');

		const gig = await site.make.gig(creator, { title: 'Webhook gig', price: '0' });
		const fan = await site.make.person();
		const before = receiver.received.length;
		expect((await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'free' })).status).toBe(200);

		const [request] = (await receiver.waitFor('a ticket.issued', (r) => r.slice(before).some((x) => x.event?.type === 'ticket.issued'))).slice(before);
		expect(request!.headers['gigstage-event']).toBe('ticket.issued');
		expect(verifySignature(secret!, request!.headers['gigstage-signature'] as string, request!.body)).toBe(true);
		expect(request!.event!.data).toMatchObject({ gig: { id: gig.id, title: 'Webhook gig', status: 'scheduled' }, ticket: { gigId: gig.id, priceMinor: 0, currency: 'EUR' } });
		expect(request!.body).not.toContain(fan.user.email);

		const page = await pageShows(http, 'the ticket.issued delivered', (html) => /data-event="ticket.issued" data-status="delivered"/.test(html));
		expect(page).toContain('HTTP 200');
	});

	it('sends a test event from the button', async () => {
		const http = as(await site.make.person('creator'));
		await http.post('/me/webhooks?/save', { url: receiver.url });
		const before = receiver.received.length;
		const pinged = await http.post('/me/webhooks?/ping', {});
		expect(pinged.status).toBe(200);
		expect(pinged.text).toContain('Test event queued');
		await receiver.waitFor('the ping', (r) => r.slice(before).some((x) => x.event?.type === 'ping'));
		await pageShows(http, 'the ping delivered', (html) => /data-event="ping" data-status="delivered"/.test(html));
	});

	it('refuses bad URLs with a message beside the field, keeping what was typed', async () => {
		const http = as(await site.make.person('creator'));
		const cases: [string, string][] = [
			['', 'Enter the URL Gigstage should send events to'],
			['not a url', 'Enter a full URL starting with https:// or http://'],
			['ftp://files.example.com/in', 'Enter a full URL starting with https:// or http://'],
			['https://me:hunter2@hooks.example.com/', 'Leave the user name and password out of the URL'],
			[`https://hooks.example.com/${'x'.repeat(2001)}`, 'Use at most 2000 characters']
		];
		for (const [url, message] of cases) {
			const answer = await http.post('/me/webhooks?/save', { url });
			expect(answer.status, url).toBe(400);
			expect(answer.text, url).toContain(message);
			expect(answer.text, url).toContain('aria-invalid="true"');
		}
		expect((await http.post('/me/webhooks?/save', { url: 'not a url' })).text).toContain('value="not a url"');
		expect((await http.get('/me/webhooks')).text).toContain('No deliveries yet');
	});

	it('rotates the secret after a confirmation, and removes the URL', async () => {
		const creator = await site.make.person('creator');
		const http = as(creator);
		const first = /gswh_[A-Za-z0-9_-]{43}/.exec((await http.post('/me/webhooks?/save', { url: receiver.url })).text)![0];
		const asked = await http.post('/me/webhooks?/rotate', {});
		expect(asked.text).toContain('Yes, rotate the secret');
		expect(asked.text).toContain(first); // nothing changed yet
		const rotated = await http.post('/me/webhooks?/rotate', { confirm: 'yes' });
		expect(rotated.text).toContain('New signing secret created');
		const second = /gswh_[A-Za-z0-9_-]{43}/.exec(rotated.text)![0];
		expect(second).not.toBe(first);

		expect((await http.post('/me/webhooks?/remove', {})).text).toContain('Webhook URL removed');
		const refused = await http.post('/me/webhooks?/ping', {});
		expect(refused.status).toBe(409);
		expect(refused.text).toContain('Set a webhook URL first');
	});

	it('is for creators: viewers get the become-a-creator hint, visitors the log-in page', async () => {
		const viewer = as(await site.make.person());
		const page = await viewer.get('/me/webhooks');
		expect(page.status).toBe(200);
		expect(page.text).toContain('Become a creator');
		expect((await viewer.post('/me/webhooks?/save', { url: 'https://hooks.example.com/' })).status).toBe(403);
		const visitor = await new HttpClient(site.url).get('/me/webhooks');
		expect(visitor.status).toBe(303);
		expect(visitor.location).toBe('/login?next=/me/webhooks');
		expect((await as(await site.make.person('creator')).get('/me')).text).toContain('href="/me/webhooks"');
	});
});
