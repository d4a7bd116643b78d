import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { rawHeader, smtpInboxForThisFile, type ReceivedMail } from '../support/smtp-inbox.js';
import type { Person } from '../support/fixtures.js';
import { mailNodesForThisFile, PUBLIC_URL } from './mail-nodes.js';
import { Purchases } from '../../src/lib/server/tickets/purchases.js';
import { testLog } from '../support/log.js';

const inbox = smtpInboxForThisFile();
const cluster = mailNodesForThisFile(inbox);
const MINUTE = 60_000;
const card = '4242 4242 4242 4242';

/** A start time `ms` from now, on a whole minute (the gig form's precision), as the fixtures take it. */
function startingIn(ms: number): { at: number; fields: Record<string, string> } {
	const at = Math.ceil((Date.now() + ms) / MINUTE) * MINUTE;
	return { at, fields: { startsAtLocal: new Date(at).toISOString().slice(0, 16), timeZone: 'UTC' } };
}

const domain = (n = 0) => cluster.nodes[n]!.domain;
/** The timed mail of both nodes at once, at `now`. */
const bothNodesAt = (now: number) => Promise.all(cluster.nodes.map((node) => node.domain.notifications.runOnce(now)));
const to = (person: Person, subject: RegExp) => inbox.to(person.user.email).filter((m) => subject.test(m.subject ?? ''));
/** Waits until nothing is queued or being sent, so a mail that should not come would have come. */
const settled = () => expect.poll(() => cluster.redis.zcard('gs:mail-queue'), { timeout: 10_000 }).toBe(0);

function calendarEvent(mail: ReceivedMail) {
	const attachment = mail.attachments.find((a) => a.contentType === 'text/calendar');
	expect(attachment, 'a calendar attachment').toBeDefined();
	const calendar = new ICAL.Component(ICAL.parse(attachment!.content.toString('utf8')));
	return new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
}

describe('receipts', () => {
	it('mails a receipt for a free and for a paid ticket, once each, in the buyer’s time zone with the watch link and a calendar file', async () => {
		const creator = await cluster.make.person('creator');
		const start = startingIn(5 * 24 * 60 * MINUTE);
		const free = await cluster.make.gig(creator, { title: 'Free <b>jazz</b> & friends', ...start.fields });
		const paid = await cluster.make.gig(creator, { title: 'Paid gig', price: '12.50', ...start.fields });
		const buyer = await cluster.make.person();
		await cluster.make.accounts.setTimeZone(buyer.user.id, 'America/New_York');
		const buyerNow = (await cluster.make.accounts.user(buyer.user.id))!;
		const { purchases } = domain();
		await purchases.buy(buyerNow, free.id, 'free', PUBLIC_URL);
		const checkout = await purchases.buy(buyerNow, paid.id, 'dev', PUBLIC_URL);
		expect(checkout.kind).toBe('redirect');
		const checkoutId = (checkout as { url: string }).url.split('/').pop()!;
		await domain(1).purchases.payDev(checkoutId, buyerNow, card);
		await domain(0).purchases.payDev(checkoutId, buyerNow, card); // a retried payment issues nothing new

		const receipt = await inbox.waitFor('the free receipt', (m) => m.envelopeTo.includes(buyer.user.email) && m.subject === `Your ticket: ${free.title}`);
		expect(receipt.text).toContain(`${PUBLIC_URL}/gigs/${free.id}/watch`);
		const newYork = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'America/New_York' }).format(start.at);
		expect(receipt.text).toContain(newYork);
		expect(receipt.text).toMatch(/GMT-[45] \(New York time\)/);
		expect(receipt.html).toContain('Free &lt;b&gt;jazz&lt;/b&gt; &amp; friends');
		const event = calendarEvent(receipt);
		expect(event.startDate.toJSDate().getTime()).toBe(start.at);
		expect(event.summary).toBe(free.title);
		expect(event.location).toBe(`${PUBLIC_URL}/gigs/${free.id}/watch`);
		const paidReceipt = await inbox.waitFor('the paid receipt', (m) => m.envelopeTo.includes(buyer.user.email) && m.subject === 'Your ticket: Paid gig');
		expect(paidReceipt.text).toContain('€12.50');
		await settled();
		expect(to(buyer, /^Your ticket/)).toHaveLength(2);
		// Creators hear of each sale only if they asked to.
		expect(to(creator, /Ticket sold/)).toEqual([]);
	});

	it('tells a creator who asked for it about each ticket sold, with a one-click unsubscribe', async () => {
		const creator = await cluster.make.person('creator');
		await domain().notifications.preferences.set(creator.user.id, { ticketSold: true });
		const gig = await cluster.make.gig(creator, { title: 'Watched sales', capacity: '10' });
		const buyer = await cluster.make.person();
		await domain().purchases.buy(buyer.user, gig.id, 'free', PUBLIC_URL);
		const notice = await inbox.waitFor('the sale notice', (m) => m.envelopeTo.includes(creator.user.email) && /Ticket sold/.test(m.subject ?? ''));
		expect(notice.text).toContain('1 of 10 sold');
		expect(notice.text).not.toContain(buyer.user.email);
		expect(rawHeader(notice, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
		expect((notice.headers.get('list') as { unsubscribe?: { url: string } }).unsubscribe?.url).toMatch(new RegExp(`^${PUBLIC_URL}/mail/unsubscribe/${creator.user.id}\\.ticketSold\\.[\\w-]{43}/one-click$`));
	});
	it('mails the receipt of a ticket whose announcement an outage cut off, once, when the missed announcements are swept', async () => {
		const creator = await cluster.make.person('creator');
		const gig = await cluster.make.gig(creator, { title: 'Cut-off gig' });
		const buyer = await cluster.make.person();
		// Redis went away between issuing the ticket and queueing its mail and webhook.
		const cutOff = new Purchases(cluster.make.gigs, cluster.make.tickets, { devPayments: false, stripe: null, webhooks: { ticketIssued: async () => false }, mail: { ticketIssued: async () => false }, log: testLog });
		expect((await cutOff.buy(buyer.user, gig.id, 'free', PUBLIC_URL)).kind).toBe('ticket');
		await settled();
		expect(to(buyer, /^Your ticket/)).toEqual([]);

		// Both nodes sweep at the same moment, then again: the receipt goes once.
		await Promise.all(cluster.nodes.map((node) => node.domain.purchases.announceMissed(0)));
		await Promise.all(cluster.nodes.map((node) => node.domain.purchases.announceMissed(0)));
		await inbox.waitFor('the receipt', (m) => m.envelopeTo.includes(buyer.user.email) && m.subject === 'Your ticket: Cut-off gig');
		await settled();
		expect(to(buyer, /^Your ticket/)).toHaveLength(1);
	});
});

describe('reminders', () => {
	it('reminds each ticket holder once, an hour before, when two nodes run at the same moment', async () => {
		const creator = await cluster.make.person('creator');
		const start = startingIn(3 * 60 * MINUTE);
		const gig = await cluster.make.gig(creator, { title: 'Reminded gig', ...start.fields });
		const fans = [await cluster.make.person(), await cluster.make.person(), await cluster.make.person()];
		for (const fan of fans) await cluster.make.ticket(gig, fan);
		await domain().notifications.preferences.set(fans[2]!.user.id, { startsSoon: false });

		await bothNodesAt(start.at - 61 * MINUTE);
		expect(await cluster.redis.zcard('gs:mail-queue')).toBe(0);
		await bothNodesAt(start.at - 59 * MINUTE);
		await bothNodesAt(start.at - 58 * MINUTE);
		for (const fan of fans.slice(0, 2)) await inbox.waitFor('a reminder', (m) => m.envelopeTo.includes(fan.user.email) && /^Starts in 1 hour/.test(m.subject ?? ''));
		await settled();
		expect(fans.map((fan) => to(fan, /^Starts in/).length)).toEqual([1, 1, 0]);
		const reminder = to(fans[0]!, /^Starts in/)[0]!;
		expect(reminder.subject).toBe('Starts in 1 hour: Reminded gig');
		expect(reminder.text).toContain(`${PUBLIC_URL}/gigs/${gig.id}/watch`);
		expect(rawHeader(reminder, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
		expect(rawHeader(reminder, 'List-Unsubscribe')).toMatch(/^<https:\/\/gigs\.example\.org\/mail\/unsubscribe\/.+\/one-click>$/);
	});

	it('says “we’re live now” once when the show starts, and nothing for cancelled or ended gigs', async () => {
		const creator = await cluster.make.person('creator');
		const soon = startingIn(3 * 60 * MINUTE);
		const live = await cluster.make.gig(creator, { title: 'Going live', ...soon.fields });
		const cancelled = await cluster.make.gig(creator, { title: 'Called off', ...soon.fields });
		const ended = await cluster.make.gig(creator, { title: 'Over already', ...soon.fields });
		const fan = await cluster.make.person();
		for (const gig of [live, cancelled, ended]) await cluster.make.ticket(gig, fan);
		const now = Date.now();
		await cluster.make.gigs.cancel(cancelled.id, creator.user);
		await cluster.make.gigs.markLive(ended.id, now);
		await cluster.make.gigs.markEnded(ended.id);
		await cluster.make.gigs.markLive(live.id, now);

		await bothNodesAt(now + 5000);
		await bothNodesAt(now + 6000);
		await inbox.waitFor('the live mail', (m) => m.envelopeTo.includes(fan.user.email) && m.subject === 'Live now: Going live');
		await bothNodesAt(soon.at - 30 * MINUTE); // an hour before: the cancelled and ended gigs are not reminded
		await settled();
		expect(to(fan, /Live now/).map((m) => m.subject)).toEqual(['Live now: Going live']);
		expect(to(fan, /^Starts in/)).toEqual([]);
	});

	it('drops a queued reminder whose gig was cancelled before the mail server took it', async () => {
		const creator = await cluster.make.person('creator');
		const start = startingIn(3 * 60 * MINUTE);
		const gig = await cluster.make.gig(creator, { title: 'Cancelled while queued', ...start.fields });
		const fan = await cluster.make.person();
		await cluster.make.ticket(gig, fan);
		await inbox.stop();
		try {
			await bothNodesAt(start.at - 50 * MINUTE);
			await expect.poll(() => cluster.redis.zcard('gs:mail-queue')).toBe(1);
			await cluster.make.gigs.cancel(gig.id, creator.user);
		} finally {
			await inbox.start();
		}
		await settled();
		expect(to(fan, /^Starts in/)).toEqual([]);
	});

	it('tells every ticket holder of a cancelled gig, once, with the cancellation for their calendar', async () => {
		const creator = await cluster.make.person('creator');
		const gig = await cluster.make.gig(creator, { title: 'Sadly off' });
		const fans = [await cluster.make.person(), await cluster.make.person()];
		for (const fan of fans) await cluster.make.ticket(gig, fan);
		await cluster.make.gigs.cancel(gig.id, creator.user);
		await domain(1).notifications.gigCancelled(gig.id);
		await bothNodesAt(Date.now());
		await bothNodesAt(Date.now());
		for (const fan of fans) {
			const mail = await inbox.waitFor('the cancellation', (m) => m.envelopeTo.includes(fan.user.email) && m.subject === 'Cancelled: Sadly off');
			expect(calendarEvent(mail).component.getFirstPropertyValue('status')).toBe('CANCELLED');
		}
		await settled();
		expect(fans.map((fan) => to(fan, /^Cancelled/).length)).toEqual([1, 1]);
	});
});

describe('the creator’s daily summary', () => {
	it('sums up yesterday’s sales once, whichever node gets there first', async () => {
		const creator = await cluster.make.person('creator');
		const gig = await cluster.make.gig(creator, { title: 'Summed gig', price: '12.50' });
		const startOfToday = Math.floor(Date.now() / (24 * 60 * MINUTE)) * 24 * 60 * MINUTE;
		const yesterday = startOfToday - 12 * 60 * MINUTE;
		for (let i = 0; i < 2; i++) {
			const fan = await cluster.make.person();
			const checkout = await cluster.make.tickets.startCheckout(gig, fan.user.id, 'dev', yesterday);
			await domain(i).notifications.ticketIssued(await cluster.make.tickets.issue(checkout.id, null, yesterday));
		}
		await bothNodesAt(startOfToday + 5 * MINUTE); // too early: late sales of yesterday may still come in
		await bothNodesAt(startOfToday + 11 * MINUTE);
		await bothNodesAt(startOfToday + 12 * MINUTE);
		const summary = await inbox.waitFor('the summary', (m) => m.envelopeTo.includes(creator.user.email) && /^Your sales on/.test(m.subject ?? ''));
		expect(summary.text).toContain('2 tickets · €25.00');
		expect(summary.text).toContain('Summed gig');
		await settled();
		expect(to(creator, /^Your sales on/)).toHaveLength(1);
	});
});

describe('a node’s mail queues', () => {
	it('are listed as running in /readyz, with the webhook queue', async () => {
		const address = cluster.nodes[0]!.http.address() as { port: number };
		const ready = (await (await fetch(`http://127.0.0.1:${address.port}/readyz`)).json()) as { checks: { queues: Record<string, boolean> } };
		expect(ready.checks.queues).toEqual({ webhooks: true, mail: true, 'password resets': true, 'account erasures': true, reminders: true });
	});
});
