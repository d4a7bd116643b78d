import { QueueLoop } from '../queue/queue-loop.js';
import type { Ticket } from '../tickets/tickets.js';
import { DailySales } from './daily-sales.js';
import { GigReminders } from './gig-reminders.js';
import type { NotifyContext } from './notify-context.js';
import { TicketMail } from './ticket-mail.js';

/**
 * The mail people get about gigs and tickets: receipts, reminders, cancellations, and creators'
 * sale notices and daily summaries. Every node runs the timed part (reminders, summaries) every
 * `pollMs`; claims in Redis keep them from sending anything twice.
 */
export class Notifications {
	readonly preferences: NotifyContext['preferences'];
	readonly unsubscribe: NotifyContext['unsubscribe'];
	private readonly reminders: GigReminders;
	private readonly sales: DailySales;
	private readonly tickets: TicketMail;
	private readonly loop: QueueLoop;

	constructor(ctx: NotifyContext, options: { pollMs?: number } = {}) {
		this.preferences = ctx.preferences;
		this.unsubscribe = ctx.unsubscribe;
		this.reminders = new GigReminders(ctx);
		this.sales = new DailySales(ctx);
		this.tickets = new TicketMail(ctx, this.sales);
		// A pass never counts as a full batch: the timer always waits pollMs between passes.
		this.loop = new QueueLoop(() => this.runOnce(), { name: 'reminder', batch: Number.POSITIVE_INFINITY, pollMs: options.pollMs ?? 10_000, log: ctx.log });
	}

	/** A ticket was issued (called on every announcement; each mail goes once per ticket). False if it could not be queued now. */
	ticketIssued(ticket: Ticket): Promise<boolean> {
		return this.tickets.issued(ticket);
	}

	/** A gig was cancelled: its ticket holders get a mail. */
	gigCancelled(gigId: string): Promise<void> {
		return this.reminders.gigCancelled(gigId);
	}

	/** One pass of the timed mail at `now`: due reminders and yesterday's summaries. */
	async runOnce(now = Date.now()): Promise<number> {
		return (await this.reminders.runOnce(now)) + (await this.sales.runOnce(now));
	}

	start(): void {
		this.loop.start();
	}

	stop(): Promise<void> {
		return this.loop.stop();
	}
}
