import type { Gig } from './gigs/gigs.js';
import type { Tickets } from './tickets/tickets.js';

export type Actor = { id: string; role: string };

/** The gig's creator and admins manage it: edit, credentials, going live. */
export function manages(gig: Pick<Gig, 'creatorId'>, user: Actor): boolean {
	return gig.creatorId === user.id || user.role === 'admin';
}

/** Who receives a gig's media: whoever manages it, and ticket holders. Pages and signaling both ask this. */
export async function mayWatch(tickets: Tickets, gig: Pick<Gig, 'id' | 'creatorId'>, user: Actor): Promise<boolean> {
	return manages(gig, user) || tickets.hasTicket(gig.id, user.id);
}

export function mayCreateGigs(user: Actor): boolean {
	return user.role === 'creator' || user.role === 'admin';
}
