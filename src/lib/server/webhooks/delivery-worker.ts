import type { Logger } from 'pino';
import { newId } from '../ids.js';
import { QueueLoop } from '../queue/queue-loop.js';
import { retryDelayMs } from '../queue/retry.js';
import type { AttemptOutcome, ClaimedDelivery, Deliveries } from './deliveries.js';
import type { Endpoints } from './endpoints.js';
import { postEvent, type PostResult } from './sender.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export type DeliveryWorkerOptions = {
	allowPrivate: boolean;
	/** The first retry's delay; later ones are multiples of it (see queue/retry.ts). */
	retryBaseMs: number;
	maxAttempts: number;
	/** How often the queue is checked when nothing is due. */
	pollMs: number;
	timeoutMs: number;
	log: Logger;
};

const BATCH = 10;

/**
 * Sends queued deliveries: claims what is due, POSTs it signed, and records the outcome or
 * schedules the next attempt. Every node runs one; claims keep them from sending twice.
 */
export class DeliveryWorker {
	private readonly loop: QueueLoop;
	private shutdown = new AbortController();

	constructor(
		private readonly deliveries: Deliveries,
		private readonly endpoints: Endpoints,
		private readonly options: DeliveryWorkerOptions
	) {
		this.loop = new QueueLoop(() => this.runOnce(), { name: 'webhook', batch: BATCH, pollMs: options.pollMs, log: options.log });
	}

	start(): void {
		if (this.shutdown.signal.aborted) this.shutdown = new AbortController();
		this.loop.start();
	}

	/** Stops polling and interrupts attempts in flight; they are retried later, here or on another node. */
	async stop(): Promise<void> {
		this.shutdown.abort();
		await this.loop.stop();
	}

	/** One pass: attempts every due delivery it can claim, up to a batch. Returns how many. */
	async runOnce(now = Date.now()): Promise<number> {
		// The lease outlasts an attempt by far, so a slow endpoint is never sent the same delivery twice.
		const claimed = await this.deliveries.claim(BATCH, this.options.timeoutMs * 6, newId(12), now);
		await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
		return claimed.length;
	}

	private async attempt(delivery: ClaimedDelivery): Promise<void> {
		const { url, secret } = await this.endpoints.get(delivery.userId);
		const result: PostResult =
			url && secret
				? await postEvent({
						url,
						body: delivery.body,
						headers: {
							'Content-Type': 'application/json',
							'Gigstage-Event': delivery.eventType,
							'Gigstage-Delivery': delivery.id,
							[SIGNATURE_HEADER]: signatureHeader(secret, delivery.body)
						},
						timeoutMs: this.options.timeoutMs,
						allowPrivate: this.options.allowPrivate,
						signal: this.shutdown.signal
					})
				: { ok: false, status: null, error: 'No webhook URL is set any more' };
		const outcome = this.outcome(delivery, result, url !== null);
		const log = { deliveryId: delivery.id, userId: delivery.userId, eventType: delivery.eventType, attempt: delivery.attempts, status: result.status, error: result.error };
		if (outcome.kind === 'delivered') this.options.log.debug(log, 'webhook delivered');
		else this.options.log.warn({ ...log, next: outcome.kind }, 'webhook attempt failed');
		if (!(await this.deliveries.finish(delivery, outcome))) this.options.log.warn(log, 'webhook claim expired before the attempt was recorded');
	}

	private outcome(delivery: ClaimedDelivery, result: PostResult, hasUrl: boolean): AttemptOutcome {
		if (result.ok) return { kind: 'delivered', responseStatus: result.status! };
		const failure = { responseStatus: result.status, error: result.error };
		if (!hasUrl || delivery.attempts >= this.options.maxAttempts) return { kind: 'failed', ...failure };
		return { kind: 'retry', nextAttemptAt: Date.now() + retryDelayMs(delivery.attempts, this.options.retryBaseMs), ...failure };
	}
}
