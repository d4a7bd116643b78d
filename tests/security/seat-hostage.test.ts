import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { fakeStripeForThisFile } from '../support/fake-stripe.js';
import type { Person } from '../support/fixtures.js';
import { HOLD_MS } from '../../src/lib/server/tickets/tickets.js';

// The attack: two unpaid checkouts held a gig's last two seats for 30 minutes, and the next real
// buyer got SOLD_OUT. One open hold per person per gig, a short hold, the seat back as soon as the
// buyer goes back, and the creator sees how many seats are held.

const payments = fakeStripeForThisFile();
const site = siteForThisFile({ browser: false, env: payments.env });
const as = (person: Person) => new HttpClient(site.url).useSession(person.token);

/** A paid gig with `free` seats left (the fixture's viewer holds one more). */
async function gigWithSeats(free: number) {
	return site.make.show({ price: '25', capacity: String(free + 1) });
}

async function startTestCheckout(buyer: Person, gigId: string): Promise<string> {
	const answer = await as(buyer).post(`/gigs/${gigId}?/buy`, { method: 'dev' });
	expect(answer.status, answer.text.slice(0, 300)).toBe(303);
	return answer.location!;
}

describe('seats held by unpaid checkouts', () => {
	it('a person holds at most one seat per gig: a second checkout takes over the first', async () => {
		const { gig } = await gigWithSeats(2);
		const hoarder = await site.make.person();
		const first = await startTestCheckout(hoarder, gig.id);
		const second = await startTestCheckout(hoarder, gig.id);
		expect(second).not.toBe(first);
		expect(await site.make.tickets.held(gig.id)).toBe(1);
		// The first checkout is over: it can no longer be paid, and says so.
		expect((await as(hoarder).get(first)).text).toContain('data-testid="checkout-ended"');
		const stale = await as(hoarder).post(`${first}?/pay`, { cardNumber: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' });
		expect(stale.status).toBe(410);
		// The other seat is still for sale.
		const buyer = await site.make.person();
		expect(await startTestCheckout(buyer, gig.id)).toMatch(/^\/checkout\/dev\//);
	});

	it('a buyer who cancels the test checkout gives the seat back at once', async () => {
		const { gig } = await gigWithSeats(1);
		const [staller, buyer] = [await site.make.person(), await site.make.person()];
		const checkout = await startTestCheckout(staller, gig.id);
		const refused = await as(buyer).post(`/gigs/${gig.id}?/buy`, { method: 'dev' });
		expect(refused.status).toBe(409);
		expect(refused.text).toMatch(/sold out/i);
		const cancel = await as(staller).post(`${checkout}?/cancel`, {});
		expect(cancel.status).toBe(303);
		expect(cancel.location).toBe(`/gigs/${gig.id}?checkout=cancelled`);
		expect(await site.make.tickets.held(gig.id)).toBe(0);
		const bought = await startTestCheckout(buyer, gig.id);
		const paid = await as(buyer).post(`${bought}?/pay`, { cardNumber: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' });
		expect(paid.status).toBe(303);
		expect(await site.make.tickets.hasTicket(gig.id, buyer.user.id)).toBe(true);
		// Someone else cannot cancel a checkout that is not theirs.
		const other = await gigWithSeats(1);
		const mine = await startTestCheckout(staller, other.gig.id);
		expect((await as(buyer).post(`${mine}?/cancel`, {})).status).toBe(404);
		expect(await site.make.tickets.held(other.gig.id)).toBe(1);
	});

	it('a buyer who goes back from Stripe without paying gives the seat back at once', async () => {
		const { gig } = await gigWithSeats(1);
		const [staller, buyer] = [await site.make.person(), await site.make.person()];
		const start = await as(staller).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' });
		expect(start.status).toBe(303);
		const session = [...payments.stripe.sessions.values()].find((s) => start.location!.endsWith(s.id))!;
		expect(session.object.expires_at - session.object.created).toBeLessThanOrEqual(40 * 60);
		expect((await as(buyer).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' })).status).toBe(409);
		// Stripe's "back" link: the cancel_url it was given.
		const cancelUrl = new URL(session.object.cancel_url!);
		expect(cancelUrl.origin).toBe(site.url);
		const back = await as(staller).get(cancelUrl.pathname);
		expect(back.status).toBe(303);
		expect(back.location).toBe(`/gigs/${gig.id}?checkout=cancelled`);
		expect(await site.make.tickets.held(gig.id)).toBe(0);
		expect((await as(buyer).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' })).status).toBe(303);
	});

	it('a hold lasts 10 minutes, not 30', async () => {
		expect(HOLD_MS).toBe(10 * 60 * 1000);
		const { gig } = await gigWithSeats(1);
		const [staller, buyer] = [await site.make.person(), await site.make.person()];
		const now = Date.now();
		await site.make.tickets.startCheckout(gig, staller.user.id, 'dev', now);
		await expect(site.make.tickets.startCheckout(gig, buyer.user.id, 'dev', now + 9 * 60_000)).rejects.toMatchObject({ code: 'SOLD_OUT' });
		const later = now + 10 * 60_000 + 1000;
		const checkout = await site.make.tickets.startCheckout(gig, buyer.user.id, 'dev', later);
		await expect(site.make.tickets.issue(checkout.id, gig.capacity, later)).resolves.toMatchObject({ userId: buyer.user.id });
	});

	it('the creator, and buyers, see how many seats are held right now', async () => {
		const { gig, creator } = await gigWithSeats(3);
		await startTestCheckout(await site.make.person(), gig.id);
		await startTestCheckout(await site.make.person(), gig.id);
		const page = await as(creator).get(`/gigs/${gig.id}`);
		expect(page.text).toMatch(/data-testid="seats-held"[^>]*>\s*2 seats are held in checkouts right now/);
		const visitor = await new HttpClient(site.url).get(`/gigs/${gig.id}`);
		expect(visitor.text).toMatch(/data-testid="seats-left"[^>]*>1 of 4/);
		expect(visitor.text).toContain('2 in checkout');
	});
});
