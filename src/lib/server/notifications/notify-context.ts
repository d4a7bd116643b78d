import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Accounts } from '../accounts/accounts.js';
import type { Gig, Gigs } from '../gigs/gigs.js';
import type { Tickets } from '../tickets/tickets.js';
import type { Mailer } from '../mail/mailer.js';
import type { SiteLinks } from '../site-links.js';
import { calendarFileName, gigCalendar, CALENDAR_CONTENT_TYPE } from '../gigs/calendar.js';
import type { MailAttachment } from '../mail/outgoing.js';
import type { NotificationPreferences } from './preferences.js';
import type { UnsubscribeTokens } from './unsubscribe.js';

/** What the notification mails need: who, which gig, where to send, and the person's switches. */
export type NotifyContext = {
	redis: Redis;
	accounts: Pick<Accounts, 'user'>;
	gigs: Gigs;
	tickets: Tickets;
	mailer: Pick<Mailer, 'send'>;
	links: SiteLinks;
	preferences: NotificationPreferences;
	unsubscribe: UnsubscribeTokens;
	log: Logger;
};

export function gigLinks(links: SiteLinks, gig: Pick<Gig, 'id'>) {
	return { watchUrl: links.url(`/gigs/${gig.id}/watch`), gigUrl: links.url(`/gigs/${gig.id}`) };
}

/** The gig as an "Add to calendar" attachment (for a cancelled gig: the cancellation). */
export function calendarAttachment(links: SiteLinks, gig: Gig): MailAttachment {
	return { filename: calendarFileName(gig), contentType: CALENDAR_CONTENT_TYPE, content: gigCalendar(gig, gigLinks(links, gig)) };
}
