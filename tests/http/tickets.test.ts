import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { fakeStripeForThisFile } from '../support/fake-stripe.js';
import type { Person } from '../support/fixtures.js';
import { smtpInboxForThisFile } from '../support/smtp-inbox.js';
import { ShowNumbers } from '../../src/lib/server/chat/show-numbers.js';

const payments = fakeStripeForThisFile();
const inbox = smtpInboxForThisFile();
const site = siteForThisFile({ browser: false, env: () => ({ ...payments.env(), SMTP_URL: inbox.url }) });
const webhook = () => `${site.url}/api/stripe/webhook`;

const as = (person: Person) => new HttpClient(site.url).useSession(person.token);

/** Buys a ticket the way a fan does: the test checkout, paid with the test card that goes through. */
async function buyWithTestCard(fan: Person, gigId: string): Promise<void> {
	const start = await as(fan).post(`/gigs/${gigId}?/buy`, { method: 'dev' });
	expect(start.location, 'the buy button opens the test checkout').toMatch(/^\/checkout\/dev\//);
	const paid = await as(fan).post(`${start.location}?/pay`, { cardNumber: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' });
	expect(paid.status, 'the test card is accepted').toBe(303);
}

/** The text of the element with this test id in a page's HTML. */
const textOf = (html: string, testId: string) => new RegExp(`data-testid="${testId}"[^>]*>([^<]*)<`).exec(html)?.[1];

/** Runs `step` and says when it began and returned, on this machine's clock (which Redis's TIME reads too). */
async function timed(step: () => Promise<void>): Promise<{ from: number; to: number }> {
	const from = Date.now();
	await step();
	return { from, to: Date.now() };
}

describe('tickets over HTTP', () => {
	it('gives a free ticket in one click, and only one per person', async () => {
		const { gig } = await site.make.show({ price: '0' });
		const fan = await site.make.person();
		const first = await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(first.status).toBe(200);
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(true);
		const again = await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(again.status).toBe(409);
		expect(again.text).toContain('already have a ticket');
		expect((await as(fan).get('/me')).text).toContain(gig.title);
	});

	it('sends a logged-out buyer to log in first', async () => {
		const { gig } = await site.make.show({ price: '0' });
		const answer = await new HttpClient(site.url).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(answer.status).toBe(303);
		expect(answer.location).toContain('/login?next=');
	});

	it('sells a paid ticket through the test checkout, declining the wrong card', async () => {
		const { gig } = await site.make.show({ price: '9.90' });
		const fan = await site.make.person();
		const start = await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'dev' });
		expect(start.status).toBe(303);
		expect(start.location).toMatch(/^\/checkout\/dev\/[a-z0-9]+$/);
		const page = await as(fan).get(start.location!);
		expect(page.text).toMatch(/test checkout/i);
		expect((await as(await site.make.person()).get(start.location!)).status).toBe(404); // not their checkout
		const declined = await as(fan).post(`${start.location}?/pay`, { cardNumber: '4000 0000 0000 0002', expiry: '12/30', cvc: '123' });
		expect(declined.status).toBe(402);
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(false);
		const paid = await as(fan).post(`${start.location}?/pay`, { cardNumber: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' });
		expect(paid.status).toBe(303);
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(true);
	});

	it('refuses a free click on a paid gig', async () => {
		const { gig } = await site.make.show({ price: '5' });
		const answer = await as(await site.make.person()).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
		expect(answer.status).toBe(503);
	});

	it('sells through Stripe Checkout: a signed webhook issues the ticket, a retried one does not issue again', async () => {
		const { gig } = await site.make.show({ price: '15', title: 'Stripe night' });
		const fan = await site.make.person();
		const start = await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' });
		expect(start.status).toBe(303);
		expect(start.location).toContain(`${payments.stripe.apiBase}/pay/`);
		const session = [...payments.stripe.sessions.values()].find((s) => start.location!.endsWith(s.id))!;
		expect(session.params).toMatchObject({ mode: 'payment', line_items: [{ price_data: { currency: 'eur', unit_amount: '1500', product_data: { name: 'Stripe night' } } }] });
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(false);
		const soldBefore = await site.make.tickets.sold(gig.id);

		expect(await payments.stripe.completeSession(session.id, webhook())).toBe(200);
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(true);
		expect(await payments.stripe.completeSession(session.id, webhook())).toBe(200);
		expect(await site.make.tickets.sold(gig.id)).toBe(soldBefore + 1);
		expect(await site.make.tickets.forUser(fan.user.id)).toHaveLength(1);
	});

	it('refuses a webhook with a bad signature and issues nothing', async () => {
		const { gig } = await site.make.show({ price: '15' });
		const fan = await site.make.person();
		const start = await as(fan).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' });
		const session = [...payments.stripe.sessions.values()].find((s) => start.location!.endsWith(s.id))!;
		const forged = JSON.stringify({ id: 'evt_forged', type: 'checkout.session.completed', data: { object: { ...session.object, payment_status: 'paid' } } });
		expect(await payments.stripe.postWebhook(webhook(), forged, 't=1,v1=deadbeef')).toBe(400);
		expect(await payments.stripe.postWebhook(webhook(), forged, '')).toBe(400);
		expect(await site.make.tickets.hasTicket(gig.id, fan.user.id)).toBe(false);
	});

	it('keeps the time zone the browser sends with a first ticket, never overwrites it, ignores a made-up one, and dates the receipt in it', async () => {
		const creator = await site.make.person('creator');
		const [first, second, third] = await Promise.all([1, 2, 3].map((n) => site.make.gig(creator, { title: `Zoned gig ${n}` })));
		const zoneOf = async (person: Person) => (await site.make.accounts.user(person.user.id))!.timeZone;
		const receipt = (person: Person, gig: { title: string }) => inbox.waitFor(`the receipt for ${gig.title}`, (m) => m.envelopeTo.includes(person.user.email) && m.subject === `Your ticket: ${gig.title}`);

		const fan = await site.make.person();
		expect(await zoneOf(fan)).toBeNull();
		expect((await as(fan).post(`/gigs/${first!.id}?/buy`, { method: 'free', timeZone: 'America/New_York' })).status).toBe(200);
		expect(await zoneOf(fan)).toBe('America/New_York');
		expect((await receipt(fan, first!)).text).toContain('(New York time)');
		// A later purchase from a browser elsewhere (a trip) does not move the account's zone.
		expect((await as(fan).post(`/gigs/${second!.id}?/buy`, { method: 'free', timeZone: 'Asia/Tokyo' })).status).toBe(200);
		expect(await zoneOf(fan)).toBe('America/New_York');
		expect((await receipt(fan, second!)).text).toContain('(New York time)');

		// A zone that is no zone is ignored: the ticket is still issued, the receipt uses the gig's zone.
		const other = await site.make.person();
		expect((await as(other).post(`/gigs/${third!.id}?/buy`, { method: 'free', timeZone: 'Mars/Olympus_Mons' })).status).toBe(200);
		expect(await zoneOf(other)).toBeNull();
		expect((await receipt(other, third!)).text).toContain('(Berlin time)');
	});

	it('shows the creator of a paid gig the show’s total watch time and what its tickets took in', async () => {
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator, { price: '9.90', currency: 'EUR', title: 'Paid show' });
		const [first, second] = await Promise.all([site.make.person(), site.make.person()]);
		await buyWithTestCard(first!, gig.id);
		await buyWithTestCard(second!, gig.id);

		// Known watch spans: both watch for 1.2 s, then one watches alone for 0.8 s, then the show ends.
		const numbers = new ShowNumbers(site.redis);
		await site.make.gigs.markLive(gig.id, Date.now());
		const began = await timed(() => numbers.began(gig.id, { count: 2, people: [first!.user.id, second!.user.id] }));
		await new Promise((r) => setTimeout(r, 1200));
		const oneLeft = await timed(() => numbers.sample(gig.id, 1));
		await new Promise((r) => setTimeout(r, 800));
		const ended = await timed(() => numbers.ended(gig.id));
		await site.make.gigs.markEnded(gig.id);

		// Each step read Redis's clock somewhere between its start and its return (+1 ms for rounding).
		const least = 2 * (oneLeft.from - began.to) + (ended.from - oneLeft.to) - 3;
		const most = 2 * (oneLeft.to - began.from) + (ended.to - oneLeft.from) + 3;
		const recorded = (await numbers.summary(gig.id))!;
		expect(recorded.watchMs, 'watch time is viewers × time, added up').toBeGreaterThanOrEqual(least);
		expect(recorded.watchMs).toBeLessThanOrEqual(most);
		expect(recorded.watchMs, 'about 2 × 1.2 s + 1 × 0.8 s').toBeGreaterThanOrEqual(3200);

		const page = (await as(creator).get(`/gigs/${gig.id}`)).text;
		expect(textOf(page, 'numbers-watch-time'), 'watch time as the page shows it').toBe(`${Math.round(recorded.watchMs / 1000)} s`);
		expect(textOf(page, 'numbers-tickets')).toBe('2');
		expect(textOf(page, 'numbers-revenue'), 'two tickets at €9.90').toBe('€19.80');
		expect((await as(creator).get('/me')).text, 'My gigs has the takings too').toMatch(/data-testid="show-numbers-compact"[^>]*>[^<]*€19\.80/);
		expect(textOf((await as(first!).get(`/gigs/${gig.id}`)).text, 'numbers-revenue'), 'the numbers are the creator’s only').toBeUndefined();
	});

	it('sells exactly `capacity` seats to many buyers at once', async () => {
		const { gig } = await site.make.show({ price: '0', capacity: '7' });
		const buyers = await Promise.all(Array.from({ length: 30 }, () => site.make.person()));
		const answers = await Promise.all(buyers.map((b) => as(b).post(`/gigs/${gig.id}?/buy`, { method: 'free' })));
		expect(answers.filter((a) => a.status === 200)).toHaveLength(6); // the fixture's viewer holds the first seat
		expect(answers.filter((a) => a.status === 409).every((a) => a.text.includes('sold out'))).toBe(true);
		expect(await site.make.tickets.sold(gig.id)).toBe(7);
		expect((await as(buyers[0]!).get(`/gigs/${gig.id}`)).text).toMatch(/sold out/i);
	});
});
