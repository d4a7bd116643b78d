import { DomainError } from './errors.js';
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

export function isAdmin(user: Actor | null | undefined): boolean {
	return user?.role === 'admin';
}

/**
 * Until a person confirms their address they may browse and take free tickets, but not pay,
 * become a creator or put on gigs: those need an address that is really theirs.
 */
export function requireConfirmedEmail(user: { emailConfirmed?: boolean }): void {
	if (user.emailConfirmed === false) {
		throw new DomainError('EMAIL_UNCONFIRMED', 'Confirm your email first: follow the link we sent you (or ask for a new one at the top of the page).');
	}
}
