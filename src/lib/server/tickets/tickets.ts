import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Gig } from '../gigs/gigs.js';

export type PaymentProviderName = 'free' | 'dev' | 'stripe';
export type Ticket = { id: string; gigId: string; userId: string; checkoutId: string; provider: PaymentProviderName; priceMinor: number; currency: string; issuedAt: number };
export type Checkout = { id: string; gigId: string; userId: string; provider: PaymentProviderName; priceMinor: number; currency: string; status: 'pending' | 'paid' | 'sold_out'; ticketId: string | null; expiresAt: number };

/** How long a started checkout keeps its seat. */
export const HOLD_MS = 30 * 60 * 1000;

const key = {
	checkout: (id: string) => `gs:checkout:${id}`,
	// userId -> ticketId: one ticket per person per gig, and the count of seats sold.
	gigTickets: (gigId: string) => `gs:gig-tickets:${gigId}`,
	// userId scored by expiry: seats held by checkouts in progress.
	gigHolds: (gigId: string) => `gs:gig-holds:${gigId}`,
	ticket: (id: string) => `gs:ticket:${id}`,
	userTickets: (userId: string) => `gs:user-tickets:${userId}`
};

// Holding a seat and issuing a ticket are single Lua scripts: two buyers of the last seat cannot
// both pass the capacity check, and a retried payment notification finds the ticket already issued.
const HOLD_SEAT = `
local tickets, holds, checkout = KEYS[1], KEYS[2], KEYS[3]
local userId, capacity, now, expiresAt = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if redis.call('HEXISTS', tickets, userId) == 1 then return 'ALREADY_HAS_TICKET' end
redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
if capacity > 0 then
  local taken = redis.call('HLEN', tickets) + redis.call('ZCARD', holds)
  if redis.call('ZSCORE', holds, userId) then taken = taken - 1 end
  if taken >= capacity then return 'SOLD_OUT' end
end
redis.call('ZADD', holds, expiresAt, userId)
redis.call('HSET', checkout, unpack(ARGV, 5))
redis.call('PEXPIRE', checkout, 86400000)
return 'OK'
`;

const ISSUE_TICKET = `
local checkout, tickets, holds, ticket, userTickets = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local ticketId, now, capacity = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local status = redis.call('HGET', checkout, 'status')
if not status then return {'CHECKOUT_NOT_FOUND'} end
if status == 'paid' then return {'OK', redis.call('HGET', checkout, 'ticketId')} end
local userId = redis.call('HGET', checkout, 'userId')
local existing = redis.call('HGET', tickets, userId)
if existing then
  redis.call('HSET', checkout, 'status', 'paid', 'ticketId', existing)
  return {'OK', existing}
end
redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
if capacity > 0 and not redis.call('ZSCORE', holds, userId) then
  if redis.call('HLEN', tickets) + redis.call('ZCARD', holds) >= capacity then
    redis.call('HSET', checkout, 'status', 'sold_out')
    return {'SOLD_OUT'}
  end
end
redis.call('HSET', ticket, 'id', ticketId, 'gigId', redis.call('HGET', checkout, 'gigId'), 'userId', userId,
  'checkoutId', redis.call('HGET', checkout, 'id'), 'provider', redis.call('HGET', checkout, 'provider'),
  'priceMinor', redis.call('HGET', checkout, 'priceMinor'), 'currency', redis.call('HGET', checkout, 'currency'), 'issuedAt', now)
redis.call('HSET', tickets, userId, ticketId)
redis.call('ZREM', holds, userId)
redis.call('ZADD', userTickets, now, ticketId)
redis.call('HSET', checkout, 'status', 'paid', 'ticketId', ticketId)
redis.call('PERSIST', checkout)
return {'OK', ticketId}
`;

// An erased account's ticket keeps its seat (creators' numbers stay right) under a name that says nobody.
const ANONYMISE_TICKET = `
local tickets, ticket = KEYS[1], KEYS[2]
local userId, ticketId = ARGV[1], ARGV[2]
if redis.call('HGET', tickets, userId) == ticketId then
  redis.call('HDEL', tickets, userId)
  redis.call('HSET', tickets, 'erased:' .. ticketId, ticketId)
end
if redis.call('HGET', ticket, 'userId') == userId then redis.call('HSET', ticket, 'userId', '') end
return 1
`;

/** Seats and tickets: holding a seat during checkout, issuing exactly one ticket per person. */
export class Tickets {
	constructor(private readonly redis: Redis) {}

	/** Opens a checkout that holds a seat for HOLD_MS. */
	async startCheckout(gig: Gig, userId: string, provider: PaymentProviderName, now = Date.now()): Promise<Checkout> {
		if (gig.status === 'cancelled') throw new DomainError('GIG_CANCELLED', 'This gig was cancelled.');
		if (gig.status === 'ended') throw new DomainError('GIG_STARTED', 'This gig is over.');
		const checkout: Checkout = {
			id: newId(16),
			gigId: gig.id,
			userId,
			provider,
			priceMinor: gig.priceMinor,
			currency: gig.currency,
			status: 'pending',
			ticketId: null,
			expiresAt: now + HOLD_MS
		};
		const fields = Object.entries({ ...checkout, ticketId: '' }).flatMap(([k, v]) => [k, String(v)]);
		const answer = await this.redis.eval(
			HOLD_SEAT,
			3,
			key.gigTickets(gig.id),
			key.gigHolds(gig.id),
			key.checkout(checkout.id),
			userId,
			gig.capacity ?? 0,
			now,
			checkout.expiresAt,
			...fields
		);
		if (answer === 'ALREADY_HAS_TICKET') throw new DomainError('ALREADY_HAS_TICKET', 'You already have a ticket for this gig.');
		if (answer === 'SOLD_OUT') throw new DomainError('SOLD_OUT', 'Sorry, this gig is sold out.');
		return checkout;
	}

	async checkout(id: string): Promise<Checkout | null> {
		if (!/^[a-z0-9]{1,32}$/.test(id)) return null;
		const f = await this.redis.hgetall(key.checkout(id));
		if (!f.id) return null;
		return {
			id: f.id,
			gigId: f.gigId!,
			userId: f.userId!,
			provider: f.provider as PaymentProviderName,
			priceMinor: Number(f.priceMinor),
			currency: f.currency!,
			status: f.status as Checkout['status'],
			ticketId: f.ticketId || null,
			expiresAt: Number(f.expiresAt)
		};
	}

	/** Issues the checkout's ticket once it is paid. Idempotent: a retry returns the same ticket. */
	async issue(checkoutId: string, capacity: number | null, now = Date.now()): Promise<Ticket> {
		const checkout = await this.checkout(checkoutId);
		if (!checkout) throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		const newTicketId = newId(12);
		const [status, ticketId] = (await this.redis.eval(
			ISSUE_TICKET,
			5,
			key.checkout(checkoutId),
			key.gigTickets(checkout.gigId),
			key.gigHolds(checkout.gigId),
			key.ticket(newTicketId),
			key.userTickets(checkout.userId),
			newTicketId,
			now,
			capacity ?? 0
		)) as [string, string?];
		if (status === 'CHECKOUT_NOT_FOUND') throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		if (status === 'SOLD_OUT') throw new DomainError('SOLD_OUT', 'Sorry, the last seat went while you were paying.');
		return (await this.ticket(ticketId!))!;
	}

	async hasTicket(gigId: string, userId: string): Promise<boolean> {
		return (await this.redis.hexists(key.gigTickets(gigId), userId)) === 1;
	}

	async sold(gigId: string): Promise<number> {
		return this.redis.hlen(key.gigTickets(gigId));
	}

	async ticket(id: string): Promise<Ticket | null> {
		const f = await this.redis.hgetall(key.ticket(id));
		if (!f.id) return null;
		return {
			id: f.id,
			gigId: f.gigId!,
			userId: f.userId!,
			checkoutId: f.checkoutId!,
			provider: f.provider as PaymentProviderName,
			priceMinor: Number(f.priceMinor),
			currency: f.currency!,
			issuedAt: Number(f.issuedAt)
		};
	}

	/** The people holding a ticket for a gig (not erased accounts, whose tickets are anonymous). */
	async holders(gigId: string): Promise<string[]> {
		return (await this.redis.hkeys(key.gigTickets(gigId))).filter((userId) => !userId.startsWith('erased:'));
	}

	/** Detaches a person's tickets from them: each still counts for its gig, belonging to nobody. */
	async anonymise(userId: string): Promise<Ticket[]> {
		const owned = await this.forUser(userId);
		for (const ticket of owned) await this.redis.eval(ANONYMISE_TICKET, 2, key.gigTickets(ticket.gigId), key.ticket(ticket.id), userId, ticket.id);
		await this.redis.del(key.userTickets(userId));
		return owned;
	}

	async forUser(userId: string): Promise<Ticket[]> {
		const ids = await this.redis.zrevrange(key.userTickets(userId), 0, 499);
		const tickets = await Promise.all(ids.map((id) => this.ticket(id)));
		return tickets.filter((t): t is Ticket => t !== null);
	}
}
