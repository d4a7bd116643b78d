import { newId } from '../ids.js';
import type { Gig } from '../gigs/gigs.js';
import type { Ticket } from '../tickets/tickets.js';

export const EVENT_TYPES = ['gig.live', 'gig.ended', 'ticket.issued', 'ping'] as const;
export type WebhookEventType = (typeof EVENT_TYPES)[number];

export type GigPayload = { id: string; title: string; startsAt: string; status: Gig['status'] };
export type TicketPayload = { id: string; gigId: string; priceMinor: number; currency: string };

/** What a creator's endpoint receives, as JSON. Times are ISO 8601 in UTC. */
export type WebhookEvent = {
	id: string;
	type: WebhookEventType;
	createdAt: string;
	data: { gig?: GigPayload; ticket?: TicketPayload; message?: string };
};

function event(type: WebhookEventType, data: WebhookEvent['data'], now: number): WebhookEvent {
	return { id: `evt_${newId(16)}`, type, createdAt: new Date(now).toISOString(), data };
}

function gigPayload(gig: Gig): GigPayload {
	return { id: gig.id, title: gig.title, startsAt: new Date(gig.startsAt).toISOString(), status: gig.status };
}

export function gigEvent(type: 'gig.live' | 'gig.ended', gig: Gig, now = Date.now()): WebhookEvent {
	return event(type, { gig: gigPayload(gig) }, now);
}

/** The ticket without its holder: the buyer's identity and email stay on Gigstage. */
export function ticketIssuedEvent(gig: Gig, ticket: Ticket, now = Date.now()): WebhookEvent {
	return event('ticket.issued', { gig: gigPayload(gig), ticket: { id: ticket.id, gigId: ticket.gigId, priceMinor: ticket.priceMinor, currency: ticket.currency } }, now);
}

export function pingEvent(now = Date.now()): WebhookEvent {
	return event('ping', { message: 'A test event from Gigstage: your endpoint is reachable.' }, now);
}
