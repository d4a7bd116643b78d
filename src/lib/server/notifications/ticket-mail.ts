import { publicName } from '../accounts/accounts.js';
import type { Ticket } from '../tickets/tickets.js';
import { templates } from '../mail/templates.js';
import { formatDuration, formatPrice, formatStart } from './format.js';
import { calendarAttachment, gigLinks, type NotifyContext } from './notify-context.js';
import type { DailySales } from './daily-sales.js';

/**
 * Mail about a new ticket: the buyer's receipt (free or paid) with the start in their own time
 * zone, the watch link and a calendar file; the creator's "someone got a ticket" if they asked
 * for it; and the sale in the creator's daily summary. Each happens once per ticket (its own
 * once-key), however often issuing or announcing is retried.
 */
export class TicketMail {
	constructor(
		private readonly ctx: NotifyContext,
		private readonly sales: DailySales
	) {}

	/** Never throws (a mail problem must not fail a purchase): false when it could not queue now, to be announced again later. */
	async issued(ticket: Ticket): Promise<boolean> {
		try {
			const gig = await this.ctx.gigs.get(ticket.gigId);
			if (!gig) return true;
			await this.sales.record(gig.creatorId, ticket);
			const [buyer, creator] = await Promise.all([this.ctx.accounts.user(ticket.userId), this.ctx.accounts.user(gig.creatorId)]);
			const links = gigLinks(this.ctx.links, gig);
			const price = formatPrice(ticket.priceMinor, ticket.currency, 'en');
			if (buyer) {
				const receipt = templates.ticketReceipt({
					gigTitle: gig.title,
					when: formatStart(gig.startsAt, buyer.timeZone ?? gig.timeZone),
					duration: formatDuration(gig.durationMinutes),
					creatorName: creator ? publicName(creator) : 'a Gigstage creator',
					price,
					ticketId: ticket.id,
					watchUrl: links.watchUrl
				});
				await this.ctx.mailer.send(buyer.email, receipt, { kind: 'ticketReceipt', userId: buyer.id }, { attachments: [calendarAttachment(this.ctx.links, gig)], once: `receipt:${ticket.id}` });
			}
			if (creator && (await this.ctx.preferences.wants(creator.id, 'ticketSold'))) {
				const sold = await this.ctx.tickets.sold(gig.id);
				const unsubscribe = await this.ctx.unsubscribe.link(creator.id, 'ticketSold');
				const notice = templates.ticketSold({
					gigTitle: gig.title,
					price,
					sold: gig.capacity === null ? `${sold} sold` : `${sold} of ${gig.capacity} sold`,
					gigUrl: links.gigUrl,
					unsubscribe: { url: unsubscribe.page }
				});
				await this.ctx.mailer.send(creator.email, notice, { kind: 'ticketSold', userId: creator.id, topic: 'ticketSold' }, { headers: unsubscribe.headers, once: `sold:${ticket.id}` });
			}
			return true;
		} catch (error) {
			this.ctx.log.error({ err: error, ticketId: ticket.id }, 'could not queue the mail about a new ticket');
			return false;
		}
	}
}
