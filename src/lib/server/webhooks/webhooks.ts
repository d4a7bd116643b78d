import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { mayCreateGigs, type Actor } from '../access.js';
import type { Gig, Gigs } from '../gigs/gigs.js';
import type { Ticket } from '../tickets/tickets.js';
import { Deliveries, type Delivery } from './deliveries.js';
import { DeliveryWorker } from './delivery-worker.js';
import { Endpoints, type Endpoint } from './endpoints.js';
import { endpointUrlSchema } from './endpoint-url.js';
import { gigEvent, pingEvent, ticketIssuedEvent, type WebhookEvent } from './events.js';

export type WebhookOptions = {
	/** WEBHOOKS_ALLOW_PRIVATE: let endpoints be on loopback or private networks. */
	allowPrivate: boolean;
	log: Logger;
	retryBaseMs?: number;
	maxAttempts?: number;
	pollMs?: number;
	timeoutMs?: number;
};

export type { Delivery, Endpoint };

/**
 * Creators' webhooks: where their gig and ticket events go, signed with their secret, and how the
 * latest deliveries went. Announcing never throws: a webhook problem must not fail a purchase or
 * a show.
 */
export class Webhooks {
	private readonly endpoints: Endpoints;
	private readonly deliveries: Deliveries;
	private readonly urlSchema: ReturnType<typeof endpointUrlSchema>;
	private readonly worker: DeliveryWorker;

	constructor(
		private readonly redis: Redis,
		private readonly gigs: Pick<Gigs, 'get'>,
		private readonly options: WebhookOptions
	) {
		this.endpoints = new Endpoints(redis);
		this.deliveries = new Deliveries(redis);
		this.urlSchema = endpointUrlSchema(options.allowPrivate);
		this.worker = new DeliveryWorker(this.deliveries, this.endpoints, {
			allowPrivate: options.allowPrivate,
			retryBaseMs: options.retryBaseMs ?? 10_000,
			maxAttempts: options.maxAttempts ?? 6,
			pollMs: options.pollMs ?? 1000,
			timeoutMs: options.timeoutMs ?? 5000,
			log: options.log
		});
	}

	/** Starts sending queued deliveries from this node. */
	start(): void {
		this.worker.start();
	}

	stop(): Promise<void> {
		return this.worker.stop();
	}

	/** One pass of the sender, for tests that step through time themselves. */
	sendDue(now?: number): Promise<number> {
		return this.worker.runOnce(now);
	}

	async endpoint(creator: Actor): Promise<Endpoint> {
		return this.endpoints.get(creatorOnly(creator).id);
	}

	async setUrl(creator: Actor, input: unknown): Promise<{ url: string; secretCreated: boolean }> {
		const { id } = creatorOnly(creator);
		const parsed = this.urlSchema.safeParse((input as { url?: unknown } | null)?.url);
		if (!parsed.success) throw new DomainError('INVALID_INPUT', 'Please correct the webhook URL.', { url: parsed.error.issues[0]?.message ?? 'Enter a valid URL' });
		const { secretCreated } = await this.endpoints.setUrl(id, parsed.data);
		return { url: parsed.data, secretCreated };
	}

	async removeUrl(creator: Actor): Promise<void> {
		await this.endpoints.removeUrl(creatorOnly(creator).id);
	}

	async rotateSecret(creator: Actor): Promise<string> {
		const { id } = creatorOnly(creator);
		if (!(await this.endpoints.get(id)).secret) throw new DomainError('WEBHOOK_NOT_SET', 'Set a webhook URL first.');
		return this.endpoints.rotateSecret(id);
	}

	/** Queues a `ping` to check the endpoint; limited, so the button cannot aim Gigstage at someone. */
	async ping(creator: Actor): Promise<void> {
		const { id } = creatorOnly(creator);
		await limitRate(this.redis, `webhook-ping:${id}`, 10, 600);
		if (!(await this.deliveries.enqueue(id, pingEvent(), newDeliveryId()))) throw new DomainError('WEBHOOK_NOT_SET', 'Set a webhook URL first.');
	}

	async recentDeliveries(creator: Actor): Promise<Delivery[]> {
		return this.deliveries.recent(creatorOnly(creator).id);
	}

	gigLive(gigId: string): Promise<void> {
		return this.announceGig('gig.live', gigId);
	}

	gigEnded(gigId: string): Promise<void> {
		return this.announceGig('gig.ended', gigId);
	}

	/**
	 * Issuing is idempotent, so this is called on every issue: only the ticket's first announcement
	 * is queued. False if it could not be queued now (Redis away): the caller tries again later.
	 */
	async ticketIssued(ticket: Ticket): Promise<boolean> {
		return this.announce({ gigId: ticket.gigId, once: `ticket.issued:${ticket.id}` }, (gig) => ticketIssuedEvent(gig, ticket));
	}

	private async announceGig(type: 'gig.live' | 'gig.ended', gigId: string): Promise<void> {
		// A gig goes live and ends once: a host who reconnects and starts again announces nothing new.
		await this.announce({ gigId, once: `${type}:${gigId}` }, (gig) => gigEvent(type, gig));
	}

	/** Queues the event (or finds it needs none); false if that could not be done now. */
	private async announce({ gigId, once }: { gigId: string; once: string }, event: (gig: Gig) => WebhookEvent): Promise<boolean> {
		try {
			const gig = await this.gigs.get(gigId);
			if (gig) await this.deliveries.enqueue(gig.creatorId, event(gig), newDeliveryId(), once);
			return true;
		} catch (error) {
			this.options.log.error({ err: error, gigId, once }, 'could not queue a webhook event');
			return false;
		}
	}
}

function creatorOnly(user: Actor): Actor {
	if (!mayCreateGigs(user)) throw new DomainError('FORBIDDEN', 'Webhooks are for creators: become a creator first.');
	return user;
}

function newDeliveryId(): string {
	return `dlv_${newId(16)}`;
}
