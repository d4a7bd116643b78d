import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import type { Gig } from '../gigs/gigs.js';

export type PaymentProviderName = 'free' | 'dev' | 'stripe';
export type Ticket = { id: string; gigId: string; userId: string; checkoutId: string; provider: PaymentProviderName; priceMinor: number; currency: string; issuedAt: number };
export type Checkout = {
	id: string;
	gigId: string;
	userId: string;
	provider: PaymentProviderName;
	priceMinor: number;
	currency: string;
	/** `cancelled`: the buyer went back (or started another checkout) and the seat was given back. */
	status: 'pending' | 'paid' | 'sold_out' | 'cancelled';
	ticketId: string | null;
	expiresAt: number;
};

/**
 * How long a started checkout keeps its seat. Short, since anyone can open one: unpaid checkouts
 * must not keep a gig's last seats from real buyers for long.
 */
export const HOLD_MINUTES = 10;
export const HOLD_MS = HOLD_MINUTES * 60 * 1000;

const key = {
	checkout: (id: string) => `gs:checkout:${id}`,
	// userId -> ticketId: one ticket per person per gig, and the count of seats sold.
	gigTickets: (gigId: string) => `gs:gig-tickets:${gigId}`,
	// userId scored by expiry: seats held by checkouts in progress, one per person.
	gigHolds: (gigId: string) => `gs:gig-holds:${gigId}`,
	// userId -> the checkout holding that person's seat: only that checkout may still be paid.
	gigHoldCheckouts: (gigId: string) => `gs:gig-hold-checkouts:${gigId}`,
	ticket: (id: string) => `gs:ticket:${id}`,
	userTickets: (userId: string) => `gs:user-tickets:${userId}`,
	// ticketId scored by issue time: issued, but its announcement (webhook) not yet queued.
	unannounced: 'gs:tickets-unannounced'
};

// Holding a seat, issuing a ticket and giving a seat back are single Lua scripts: two buyers of
// the last seat cannot both pass the capacity check, a retried payment notification finds the
// ticket already issued, and a hold and the checkout it belongs to always change together.
const DROP_EXPIRED_HOLDS = `
local function dropExpiredHolds(holds, holdCheckouts, now)
  for _, userId in ipairs(redis.call('ZRANGEBYSCORE', holds, '-inf', now)) do redis.call('HDEL', holdCheckouts, userId) end
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', now)
end
`;

// One open hold per person per gig: a second checkout takes over the first one's hold (the first
// can no longer be paid through the test checkout), so nobody holds two seats of one gig.
const HOLD_SEAT = `${DROP_EXPIRED_HOLDS}
local tickets, holds, checkout, holdCheckouts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local userId, capacity, now, expiresAt, checkoutId = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('HEXISTS', tickets, userId) == 1 then return 'ALREADY_HAS_TICKET' end
dropExpiredHolds(holds, holdCheckouts, now)
if capacity > 0 then
  local taken = redis.call('HLEN', tickets) + redis.call('ZCARD', holds)
  if redis.call('ZSCORE', holds, userId) then taken = taken - 1 end
  if taken >= capacity then return 'SOLD_OUT' end
end
redis.call('ZADD', holds, expiresAt, userId)
redis.call('HSET', holdCheckouts, userId, checkoutId)
redis.call('HSET', checkout, unpack(ARGV, 6))
redis.call('PEXPIRE', checkout, 86400000)
return 'OK'
`;

// requireHold: the test checkout sells only while this checkout still holds the buyer's seat. A
// card payment (Stripe) has taken the money already: it gets a ticket whenever a seat is free.
const ISSUE_TICKET = `${DROP_EXPIRED_HOLDS}
local checkout, tickets, holds, ticket, userTickets, holdCheckouts, unannounced = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local ticketId, now, capacity, requireHold = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local status = redis.call('HGET', checkout, 'status')
if not status then return {'CHECKOUT_NOT_FOUND'} end
if status == 'paid' then return {'OK', redis.call('HGET', checkout, 'ticketId')} end
local userId = redis.call('HGET', checkout, 'userId')
local checkoutId = redis.call('HGET', checkout, 'id')
local existing = redis.call('HGET', tickets, userId)
if existing then
  redis.call('HSET', checkout, 'status', 'paid', 'ticketId', existing)
  return {'OK', existing}
end
dropExpiredHolds(holds, holdCheckouts, now)
local holding = redis.call('ZSCORE', holds, userId)
if requireHold and (status ~= 'pending' or not holding or redis.call('HGET', holdCheckouts, userId) ~= checkoutId) then
  return {'CHECKOUT_EXPIRED'}
end
if capacity > 0 and not holding then
  if redis.call('HLEN', tickets) + redis.call('ZCARD', holds) >= capacity then
    redis.call('HSET', checkout, 'status', 'sold_out')
    return {'SOLD_OUT'}
  end
end
redis.call('HSET', ticket, 'id', ticketId, 'gigId', redis.call('HGET', checkout, 'gigId'), 'userId', userId,
  'checkoutId', checkoutId, 'provider', redis.call('HGET', checkout, 'provider'),
  'priceMinor', redis.call('HGET', checkout, 'priceMinor'), 'currency', redis.call('HGET', checkout, 'currency'), 'issuedAt', now)
redis.call('HSET', tickets, userId, ticketId)
redis.call('ZREM', holds, userId)
redis.call('HDEL', holdCheckouts, userId)
redis.call('ZADD', userTickets, now, ticketId)
redis.call('ZADD', unannounced, now, ticketId)
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

// The buyer went back: the checkout ends, and its seat is free at once if it still held one.
const RELEASE_HOLD = `
local checkout, holds, holdCheckouts = KEYS[1], KEYS[2], KEYS[3]
local userId, checkoutId = ARGV[1], ARGV[2]
if redis.call('HGET', checkout, 'userId') ~= userId then return 'CHECKOUT_NOT_FOUND' end
if redis.call('HGET', checkout, 'status') ~= 'pending' then return 'OK' end
redis.call('HSET', checkout, 'status', 'cancelled')
if redis.call('HGET', holdCheckouts, userId) == checkoutId then
  redis.call('ZREM', holds, userId)
  redis.call('HDEL', holdCheckouts, userId)
end
return 'OK'
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
			4,
			key.gigTickets(gig.id),
			key.gigHolds(gig.id),
			key.checkout(checkout.id),
			key.gigHoldCheckouts(gig.id),
			userId,
			gig.capacity ?? 0,
			now,
			checkout.expiresAt,
			checkout.id,
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

	/**
	 * Issues the checkout's ticket once it is paid. Idempotent: a retry returns the same ticket.
	 * `requireHold`: only while this checkout still holds the buyer's seat (the test checkout).
	 */
	async issue(checkoutId: string, capacity: number | null, now = Date.now(), { requireHold = false } = {}): Promise<Ticket> {
		const checkout = await this.checkout(checkoutId);
		if (!checkout) throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		const newTicketId = newId(12);
		const [status, ticketId] = (await this.redis.eval(
			ISSUE_TICKET,
			7,
			key.checkout(checkoutId),
			key.gigTickets(checkout.gigId),
			key.gigHolds(checkout.gigId),
			key.ticket(newTicketId),
			key.userTickets(checkout.userId),
			key.gigHoldCheckouts(checkout.gigId),
			key.unannounced,
			newTicketId,
			now,
			capacity ?? 0,
			requireHold ? '1' : '0'
		)) as [string, string?];
		if (status === 'CHECKOUT_NOT_FOUND') throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		if (status === 'CHECKOUT_EXPIRED') throw new DomainError('CHECKOUT_EXPIRED', 'This checkout has ended and no longer holds a seat: start again from the gig’s page.');
		if (status === 'SOLD_OUT') throw new DomainError('SOLD_OUT', 'Sorry, the last seat went while you were paying.');
		return (await this.ticket(ticketId!))!;
	}

	/** Ends a checkout its buyer abandoned, giving its seat back at once. Returns the checkout, or null when it is not theirs. */
	async release(checkoutId: string, userId: string): Promise<Checkout | null> {
		const checkout = await this.checkout(checkoutId);
		if (!checkout || checkout.userId !== userId) return null;
		const answer = await this.redis.eval(RELEASE_HOLD, 3, key.checkout(checkoutId), key.gigHolds(checkout.gigId), key.gigHoldCheckouts(checkout.gigId), userId, checkoutId);
		return answer === 'OK' ? this.checkout(checkoutId) : null;
	}

	/** Whether this checkout still holds its buyer's seat (it may be paid through the test checkout). */
	async holdsSeat(checkout: Checkout, now = Date.now()): Promise<boolean> {
		if (checkout.status !== 'pending') return false;
		const [holder, expiry] = await Promise.all([this.redis.hget(key.gigHoldCheckouts(checkout.gigId), checkout.userId), this.redis.zscore(key.gigHolds(checkout.gigId), checkout.userId)]);
		return holder === checkout.id && expiry !== null && Number(expiry) > now;
	}

	/** Seats held right now by checkouts in progress. */
	async held(gigId: string, now = Date.now()): Promise<number> {
		return this.redis.zcount(key.gigHolds(gigId), `(${now}`, '+inf');
	}

	/**
	 * Issuing a ticket and queueing its announcement are two steps; a ticket is listed as
	 * unannounced by the same script that issues it, and unlisted once announced, so one whose
	 * announcement was cut off (Redis or the node gone in between) is found and announced later.
	 */
	async unannounced(issuedBefore: number, limit = 50): Promise<string[]> {
		return this.redis.zrangebyscore(key.unannounced, '-inf', issuedBefore, 'LIMIT', 0, limit);
	}

	async announced(ticketId: string): Promise<void> {
		await this.redis.zrem(key.unannounced, ticketId);
	}

	async hasTicket(gigId: string, userId: string): Promise<boolean> {
		return (await this.redis.hexists(key.gigTickets(gigId), userId)) === 1;
	}

	async sold(gigId: string): Promise<number> {
		return this.redis.hlen(key.gigTickets(gigId));
	}

	/** Tickets issued for a gig and what they brought in, per currency (minor units). */
	async takings(gigId: string): Promise<{ tickets: number; revenue: Record<string, number> }> {
		const ids = await this.redis.hvals(key.gigTickets(gigId));
		const pipeline = this.redis.pipeline();
		for (const id of ids) pipeline.hmget(key.ticket(id), 'priceMinor', 'currency');
		const revenue: Record<string, number> = {};
		for (const [, fields] of (await pipeline.exec()) ?? []) {
			const [price, currency] = fields as [string | null, string | null];
			if (currency) revenue[currency] = (revenue[currency] ?? 0) + Number(price ?? 0);
		}
		return { tickets: ids.length, revenue };
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
