import { describe, expect, it } from 'vitest';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { Tickets } from '../../src/lib/server/tickets/tickets.js';
import { Purchases, DEV_CARDS } from '../../src/lib/server/tickets/purchases.js';
import type { User } from '../../src/lib/server/accounts/accounts.js';
import { verifySignature } from '../../src/lib/server/webhooks/signature.js';
import { Webhooks } from '../../src/lib/server/webhooks/webhooks.js';
import { redisForThisFile } from '../support/redis.js';
import { testLog } from '../support/log.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { CREATOR, gigInput, webhookNodes } from './nodes.js';

const store = redisForThisFile();
const node = webhookNodes(() => store.redis);
const receiver = webhookReceiverForThisFile();

const fan: User = { id: 'fan-1', email: 'fan-secret@example.test', role: 'viewer', displayName: null, wallet: null, createdAt: 0, emailConfirmed: true, timeZone: null };

/** The domain as server/domain.ts wires it, with the creator's webhook pointed at the receiver. */
async function domain() {
	const webhooks = node();
	await webhooks.setUrl(CREATOR, { url: receiver.url });
	const gigs = new Gigs(store.redis);
	const tickets = new Tickets(store.redis);
	const purchases = new Purchases(gigs, tickets, { devPayments: true, stripe: null, webhooks, log: testLog });
	return { webhooks, gigs, tickets, purchases, secret: (await webhooks.endpoint(CREATOR)).secret! };
}

/** Sends everything due and returns what the receiver got meanwhile. */
async function sendAll(webhooks: Awaited<ReturnType<typeof domain>>['webhooks']) {
	const before = receiver.received.length;
	while ((await webhooks.sendDue()) > 0);
	return receiver.received.slice(before);
}

describe('webhook events', () => {
	it('announces a ticket issued again and again (a retried payment) exactly once', async () => {
		const { webhooks, gigs, purchases, secret } = await domain();
		const gig = await gigs.create(CREATOR, gigInput({ price: '9.90' }));
		const started = await purchases.buy(fan, gig.id, 'dev', 'http://gigstage.test');
		const checkoutId = (started as { url: string }).url.split('/').pop()!;
		// Concurrent and repeated payments of one checkout: issuing is idempotent, so is the announcement.
		const tickets = await Promise.all(Array.from({ length: 5 }, () => purchases.payDev(checkoutId, fan, DEV_CARDS.success)));
		await purchases.payDev(checkoutId, fan, DEV_CARDS.success);
		expect(new Set(tickets.map((t) => t.id)).size).toBe(1);

		const sent = await sendAll(webhooks);
		expect(sent.map((r) => r.event?.type)).toEqual(['ticket.issued']);
		const [request] = sent;
		expect(verifySignature(secret, request!.headers['gigstage-signature'] as string, request!.body)).toBe(true);
		expect(request!.event!.data).toEqual({
			gig: { id: gig.id, title: 'Friday jazz', startsAt: new Date(gig.startsAt).toISOString(), status: 'scheduled' },
			ticket: { id: tickets[0]!.id, gigId: gig.id, priceMinor: 990, currency: 'EUR' }
		});
		expect(request!.body).not.toContain(fan.email);
		expect(request!.body).not.toContain(fan.id);
	});

	it('announces a free ticket from the one-click path', async () => {
		const { webhooks, gigs, purchases } = await domain();
		const gig = await gigs.create(CREATOR, gigInput());
		const result = await purchases.buy(fan, gig.id, 'free', 'http://gigstage.test');
		const sent = await sendAll(webhooks);
		expect(sent.map((r) => [r.event?.type, r.event?.data.ticket?.id])).toEqual([['ticket.issued', (result as { ticket: { id: string } }).ticket.id]]);
	});

	it('announces, once, a ticket whose announcement an outage cut off after it was issued', async () => {
		const { webhooks, gigs, tickets } = await domain();
		const gig = await gigs.create(CREATOR, gigInput());
		// Redis went away between issuing the ticket and queueing its announcement.
		const cutOff = new Purchases(gigs, tickets, { devPayments: false, stripe: null, webhooks: { ticketIssued: async () => false }, log: testLog });
		const result = await cutOff.buy(fan, gig.id, 'free', 'http://gigstage.test');
		expect(result.kind).toBe('ticket');
		expect(await sendAll(webhooks)).toEqual([]);

		const purchases = new Purchases(gigs, tickets, { devPayments: false, stripe: null, webhooks, log: testLog });
		expect(await purchases.announceMissed(30_000), 'not before the grace is over').toBe(0);
		expect(await purchases.announceMissed(0)).toBe(1);
		expect(await purchases.announceMissed(0), 'announced tickets are not swept again').toBe(0);
		const sent = await sendAll(webhooks);
		expect(sent.map((r) => [r.event?.type, r.event?.data.ticket?.id])).toEqual([['ticket.issued', (result as { ticket: { id: string } }).ticket.id]]);
	});

	it('announces a gig going live and ending, each once even if the host starts again', async () => {
		const { webhooks, gigs } = await domain();
		const gig = await gigs.create(CREATOR, gigInput());
		await gigs.markLive(gig.id, Date.now());
		await webhooks.gigLive(gig.id);
		await webhooks.gigLive(gig.id); // the host reconnected and pressed "go live" again
		await gigs.markEnded(gig.id);
		await webhooks.gigEnded(gig.id);
		const sent = await sendAll(webhooks);
		expect(sent.map((r) => [r.headers['gigstage-event'], r.event?.data.gig?.status])).toEqual([
			['gig.live', 'live'],
			['gig.ended', 'ended']
		]);
	});

	it('sends nothing for a creator without a webhook URL, and nothing old once one is set', async () => {
		const webhooks = node();
		const gigs = new Gigs(store.redis);
		const gig = await gigs.create(CREATOR, gigInput());
		await webhooks.gigLive(gig.id);
		expect(await webhooks.recentDeliveries(CREATOR)).toEqual([]);
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		expect(await sendAll(webhooks)).toEqual([]);
	});

	it('never fails the announcing path when Redis refuses the event', async () => {
		const broken = store.redis.duplicate();
		const webhooks = new Webhooks(broken, new Gigs(broken), { allowPrivate: true, log: testLog });
		broken.disconnect();
		await expect(webhooks.gigLive('nosuchgig')).resolves.toBeUndefined();
	});
});
