import { describe, expect, it } from 'vitest';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { Tickets } from '../../src/lib/server/tickets/tickets.js';
import { redisForThisFile } from '../support/redis.js';
import { gigInput } from '../support/fixtures.js';

const store = redisForThisFile();

const ticketedGig = (over: Record<string, unknown> = {}) => gigInput({ capacity: '3', ...over });

describe('tickets', () => {
	it('sells exactly `capacity` tickets to many concurrent buyers', async () => {
		const gigs = new Gigs(store.redis);
		const tickets = new Tickets(store.redis);
		const gig = await gigs.create({ id: 'creator', role: 'creator' }, ticketedGig({ capacity: '5' }));
		const buyers = Array.from({ length: 40 }, (_, i) => `buyer-${i}`);
		const results = await Promise.allSettled(
			buyers.map(async (userId) => {
				const checkout = await tickets.startCheckout(gig, userId, 'dev');
				return tickets.issue(checkout.id, gig.capacity);
			})
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
		expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(35).fill('SOLD_OUT'));
		expect(await tickets.sold(gig.id)).toBe(5);
	});

	it('issues one ticket per person, and a retried payment gets the same ticket', async () => {
		const gigs = new Gigs(store.redis);
		const tickets = new Tickets(store.redis);
		const gig = await gigs.create({ id: 'creator', role: 'creator' }, ticketedGig());
		const checkout = await tickets.startCheckout(gig, 'ann', 'stripe');
		const first = await tickets.issue(checkout.id, gig.capacity);
		const retry = await tickets.issue(checkout.id, gig.capacity);
		expect(retry.id).toBe(first.id);
		expect(await tickets.sold(gig.id)).toBe(1);
		await expect(tickets.startCheckout(gig, 'ann', 'dev')).rejects.toMatchObject({ code: 'ALREADY_HAS_TICKET' });
		expect((await tickets.forUser('ann')).map((t) => t.gigId)).toEqual([gig.id]);
		expect(await tickets.hasTicket(gig.id, 'ann')).toBe(true);
		expect(await tickets.hasTicket(gig.id, 'bob')).toBe(false);
	});

	it('gives an abandoned checkout’s seat back once its hold expires', async () => {
		const gigs = new Gigs(store.redis);
		const tickets = new Tickets(store.redis);
		const gig = await gigs.create({ id: 'creator', role: 'creator' }, ticketedGig({ capacity: '1' }));
		const now = Date.now();
		await tickets.startCheckout(gig, 'slow', 'dev', now);
		await expect(tickets.startCheckout(gig, 'fast', 'dev', now + 1000)).rejects.toMatchObject({ code: 'SOLD_OUT' });
		const later = now + 31 * 60 * 1000;
		const checkout = await tickets.startCheckout(gig, 'fast', 'dev', later);
		await expect(tickets.issue(checkout.id, gig.capacity, later)).resolves.toMatchObject({ userId: 'fast' });
	});

	it('refuses checkouts for a cancelled gig', async () => {
		const gigs = new Gigs(store.redis);
		const tickets = new Tickets(store.redis);
		const gig = await gigs.create({ id: 'creator', role: 'creator' }, ticketedGig());
		const cancelled = await gigs.cancel(gig.id, { id: 'creator', role: 'creator' });
		await expect(tickets.startCheckout(cancelled, 'ann', 'dev')).rejects.toMatchObject({ code: 'GIG_CANCELLED' });
	});
});
