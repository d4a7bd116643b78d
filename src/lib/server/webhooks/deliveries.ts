import type { Redis } from 'ioredis';
import { LeasedQueue } from '../queue/leased-queue.js';
import { endpointKey } from './endpoints.js';
import type { WebhookEvent, WebhookEventType } from './events.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event on its way to one creator's endpoint, as the deliveries table shows it. */
export type Delivery = {
	id: string;
	userId: string;
	eventId: string;
	eventType: WebhookEventType;
	status: DeliveryStatus;
	attempts: number;
	createdAt: number;
	lastAttemptAt: number | null;
	/** When the next attempt is due, while pending. */
	nextAttemptAt: number | null;
	/** The endpoint's last HTTP status, if it answered. */
	responseStatus: number | null;
	/** Why the last attempt failed without an HTTP answer (timeout, refused, …). */
	error: string | null;
};

/** A delivery this worker holds for one attempt: its exact body, and the claim that lets it record the outcome. */
export type ClaimedDelivery = Delivery & { body: string; claim: string };

export type AttemptOutcome =
	| { kind: 'delivered'; responseStatus: number }
	| { kind: 'retry'; nextAttemptAt: number; responseStatus: number | null; error: string | null }
	| { kind: 'failed'; responseStatus: number | null; error: string | null };

/** How many deliveries a creator's table keeps. */
export const RECENT_DELIVERIES = 50;
// Once a ticket or a show's start has been announced, a repeat is ignored for this long.
const ONCE_SECONDS = 90 * 24 * 3600;

const DELIVERY_PREFIX = 'gs:webhook-delivery:';
const key = {
	queue: 'gs:webhook-queue',
	delivery: (id: string) => DELIVERY_PREFIX + id,
	recent: (userId: string) => `gs:webhook-deliveries:${userId}`,
	once: (what: string) => `gs:webhook-once:${what}`
};

// Queued only if the creator has a URL, and (with a `once` key) only the first time: a retried
// payment or a host rejoining must not announce the same thing twice. The table keeps the latest
// RECENT_DELIVERIES; older finished ones are deleted, a dropped pending one when it finishes.
const ENQUEUE = `
local endpoint, queue, delivery, recent = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, now, keep, onceSeconds, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
if redis.call('HEXISTS', endpoint, 'url') == 0 then return 'NO_ENDPOINT' end
if KEYS[5] and not redis.call('SET', KEYS[5], id, 'NX', 'EX', onceSeconds) then return 'ALREADY_SENT' end
redis.call('HSET', delivery, unpack(ARGV, 6))
redis.call('ZADD', queue, now, id)
redis.call('LPUSH', recent, id)
for _, old in ipairs(redis.call('LRANGE', recent, keep, -1)) do
  if redis.call('HGET', prefix .. old, 'status') == 'pending' then
    redis.call('HSET', prefix .. old, 'listed', '0')
  else
    redis.call('DEL', prefix .. old)
  end
end
redis.call('LTRIM', recent, 0, keep - 1)
return 'OK'
`;

/** The delivery queue and each creator's recent deliveries, in Redis so they survive restarts. */
export class Deliveries {
	private readonly queue: LeasedQueue;

	constructor(private readonly redis: Redis) {
		// A finished delivery that fell off the creator's list (`listed=0`) is deleted.
		this.queue = new LeasedQueue(redis, { queue: key.queue, prefix: DELIVERY_PREFIX, dropWhenZero: 'listed' });
	}

	/** Queues an event for the creator's endpoint, due now. False if there is no endpoint or `once` was used before. */
	async enqueue(userId: string, event: WebhookEvent, deliveryId: string, once?: string, now = Date.now()): Promise<boolean> {
		const fields = {
			id: deliveryId,
			userId,
			eventId: event.id,
			eventType: event.type,
			body: JSON.stringify(event),
			status: 'pending',
			attempts: '0',
			createdAt: String(now),
			nextAttemptAt: String(now)
		};
		const keys = [endpointKey(userId), key.queue, key.delivery(deliveryId), key.recent(userId), ...(once ? [key.once(once)] : [])];
		const answer = await this.redis.eval(
			ENQUEUE,
			keys.length,
			...keys,
			deliveryId,
			now,
			RECENT_DELIVERIES,
			ONCE_SECONDS,
			DELIVERY_PREFIX,
			...Object.entries(fields).flat()
		);
		return answer === 'OK';
	}

	/** Takes up to `limit` due deliveries for one attempt each, for `leaseMs`. */
	async claim(limit: number, leaseMs: number, claim: string, now = Date.now()): Promise<ClaimedDelivery[]> {
		const jobs = await this.queue.claim(limit, leaseMs, claim, now);
		return jobs.map(({ fields, claim }) => ({ ...deserialise(fields), body: fields.body ?? '', claim }));
	}

	/** Records an attempt's outcome; false if the claim was lost (the lease ran out and another node took over). */
	finish(delivery: ClaimedDelivery, outcome: AttemptOutcome): Promise<boolean> {
		const fields: Record<string, string> = {
			status: outcome.kind === 'retry' ? 'pending' : outcome.kind,
			responseStatus: outcome.responseStatus === null ? '' : String(outcome.responseStatus),
			error: outcome.kind === 'delivered' ? '' : (outcome.error ?? ''),
			nextAttemptAt: outcome.kind === 'retry' ? String(outcome.nextAttemptAt) : ''
		};
		return this.queue.finish(delivery, { retryAt: outcome.kind === 'retry' ? outcome.nextAttemptAt : null, fields });
	}

	/** A creator's latest deliveries, newest first. */
	async recent(userId: string): Promise<Delivery[]> {
		const ids = await this.redis.lrange(key.recent(userId), 0, RECENT_DELIVERIES - 1);
		const rows = await Promise.all(ids.map((id) => this.redis.hgetall(key.delivery(id))));
		return rows.filter((f) => f.id).map(deserialise);
	}

	async get(id: string): Promise<Delivery | null> {
		const f = await this.redis.hgetall(key.delivery(id));
		return f.id ? deserialise(f) : null;
	}
}

const numberOrNull = (value: string | undefined) => (value ? Number(value) : null);

function deserialise(f: Record<string, string>): Delivery {
	return {
		id: f.id!,
		userId: f.userId!,
		eventId: f.eventId!,
		eventType: f.eventType as WebhookEventType,
		status: f.status as DeliveryStatus,
		attempts: Number(f.attempts ?? 0),
		createdAt: Number(f.createdAt),
		lastAttemptAt: numberOrNull(f.lastAttemptAt),
		nextAttemptAt: f.status === 'pending' ? numberOrNull(f.nextAttemptAt) : null,
		responseStatus: numberOrNull(f.responseStatus),
		error: f.error || null
	};
}
