import type { Ticket } from '../tickets/tickets.js';
import { templates } from '../mail/templates.js';
import { formatPrice } from './format.js';
import type { NotifyContext } from './notify-context.js';

const DAY_MS = 24 * 3600_000;
// A day's summary waits this long after midnight (UTC), so tickets issued at 23:59 are in it.
const SETTLE_MS = 10 * 60_000;
const LEDGER_DAYS = 8;

const key = {
	// ticketId scored by when it was issued: a creator's recent sales.
	ledger: (creatorId: string) => `gs:creator-sales:${creatorId}`,
	// creatorIds with at least one sale that day (YYYY-MM-DD, UTC); each is taken by one node.
	day: (day: string) => `gs:sales-creators:${day}`
};

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Creators' daily sales summaries: one mail per creator for each UTC day they sold tickets. */
export class DailySales {
	constructor(private readonly ctx: NotifyContext) {}

	/** Notes a sale (idempotent: a ticket is one member of each set). */
	async record(creatorId: string, ticket: Ticket): Promise<void> {
		await this.ctx.redis
			.multi()
			.zadd(key.ledger(creatorId), ticket.issuedAt, ticket.id)
			.zremrangebyscore(key.ledger(creatorId), '-inf', ticket.issuedAt - LEDGER_DAYS * DAY_MS)
			.expire(key.ledger(creatorId), (LEDGER_DAYS + 1) * 24 * 3600)
			.sadd(key.day(dayOf(ticket.issuedAt)), creatorId)
			.expire(key.day(dayOf(ticket.issuedAt)), 3 * 24 * 3600)
			.exec();
	}

	/** Sends yesterday's summaries not sent yet; each creator is popped by exactly one node. Returns how many. */
	async runOnce(now = Date.now()): Promise<number> {
		const startOfToday = Math.floor(now / DAY_MS) * DAY_MS;
		if (now - startOfToday < SETTLE_MS) return 0;
		const from = startOfToday - DAY_MS;
		const day = dayOf(from);
		let sent = 0;
		for (let creatorId = await this.ctx.redis.spop(key.day(day)); creatorId; creatorId = await this.ctx.redis.spop(key.day(day))) {
			try {
				if (await this.summarise(creatorId, day, from, startOfToday)) sent++;
			} catch (error) {
				this.ctx.log.error({ err: error, creatorId, day }, 'could not send a daily sales summary');
			}
		}
		return sent;
	}

	private async summarise(creatorId: string, day: string, from: number, to: number): Promise<boolean> {
		const creator = await this.ctx.accounts.user(creatorId);
		if (!creator || !(await this.ctx.preferences.wants(creatorId, 'dailySales'))) return false;
		const ids = await this.ctx.redis.zrangebyscore(key.ledger(creatorId), from, `(${to}`);
		const tickets = (await Promise.all(ids.map((id) => this.ctx.tickets.ticket(id)))).filter((t): t is Ticket => t !== null);
		if (tickets.length === 0) return false;
		const byGig = new Map<string, Ticket[]>();
		for (const ticket of tickets) byGig.set(ticket.gigId, [...(byGig.get(ticket.gigId) ?? []), ticket]);
		const rows: [string, string][] = [];
		for (const [gigId, sold] of byGig) {
			const gig = await this.ctx.gigs.get(gigId);
			rows.push([gig?.title ?? 'A gig', describe(sold)]);
		}
		const unsubscribe = await this.ctx.unsubscribe.link(creatorId, 'dailySales');
		const dayLabel = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(from);
		const letter = templates.dailySales({ day: dayLabel, total: describe(tickets), gigs: rows, meUrl: this.ctx.links.url('/me#gigs'), unsubscribe: { url: unsubscribe.page } });
		return this.ctx.mailer.send(creator.email, letter, { kind: 'dailySales', userId: creatorId, topic: 'dailySales' }, { headers: unsubscribe.headers, once: `daily:${day}:${creatorId}` });
	}
}

/** "3 tickets · €37.50", "2 tickets · free", "4 tickets · €25.00 + $10.00". */
function describe(tickets: Ticket[]): string {
	const totals = new Map<string, number>();
	for (const t of tickets) if (t.priceMinor > 0) totals.set(t.currency, (totals.get(t.currency) ?? 0) + t.priceMinor);
	const money = [...totals].map(([currency, minor]) => formatPrice(minor, currency, 'en')).join(' + ') || 'free';
	return `${tickets.length} ${tickets.length === 1 ? 'ticket' : 'tickets'} · ${money}`;
}
