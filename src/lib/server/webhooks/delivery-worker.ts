import type { Logger } from 'pino';
import { newId } from '../ids.js';
import type { AttemptOutcome, ClaimedDelivery, Deliveries } from './deliveries.js';
import type { Endpoints } from './endpoints.js';
import { postEvent, type PostResult } from './sender.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export type DeliveryWorkerOptions = {
	allowPrivate: boolean;
	/** The first retry's delay; later ones are multiples of it (see RETRY_STEPS). */
	retryBaseMs: number;
	maxAttempts: number;
	/** How often the queue is checked when nothing is due. */
	pollMs: number;
	timeoutMs: number;
	log: Logger;
};

// With the default 10 s base: 10 s, 30 s, 2 min, 10 min, 1 h, then 1 h for any further attempt.
const RETRY_STEPS = [1, 3, 12, 60, 360];
const BATCH = 10;

/** How long to wait after the given failed attempt (1 = the first). */
export function retryDelayMs(attempt: number, baseMs: number): number {
	return baseMs * RETRY_STEPS[Math.min(Math.max(attempt, 1), RETRY_STEPS.length) - 1]!;
}

/**
 * Sends queued deliveries: claims what is due, POSTs it signed, and records the outcome or
 * schedules the next attempt. Every node runs one; claims keep them from sending twice.
 */
export class DeliveryWorker {
	private running = false;
	private loop: Promise<void> | null = null;
	private wake: (() => void) | null = null;
	private shutdown = new AbortController();

	constructor(
		private readonly deliveries: Deliveries,
		private readonly endpoints: Endpoints,
		private readonly options: DeliveryWorkerOptions
	) {}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.shutdown = new AbortController();
		this.loop = this.run();
	}

	/** Stops polling and interrupts attempts in flight; they are retried later, here or on another node. */
	async stop(): Promise<void> {
		this.running = false;
		this.shutdown.abort();
		this.wake?.();
		await this.loop;
		this.loop = null;
	}

	/** One pass: attempts every due delivery it can claim, up to a batch. Returns how many. */
	async runOnce(now = Date.now()): Promise<number> {
		// The lease outlasts an attempt by far, so a slow endpoint is never sent the same delivery twice.
		const claimed = await this.deliveries.claim(BATCH, this.options.timeoutMs * 6, newId(12), now);
		await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
		return claimed.length;
	}

	private async run(): Promise<void> {
		while (this.running) {
			let handled = 0;
			try {
				handled = await this.runOnce();
			} catch (error) {
				this.options.log.error({ err: error }, 'webhook worker pass failed');
			}
			// A full batch means more may be due already.
			if (handled < BATCH && this.running) await this.pause(this.options.pollMs);
		}
	}

	private pause(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			this.wake = done;
			function done() {
				clearTimeout(timer);
				resolve();
			}
		});
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
