import { afterEach } from 'vitest';
import type { Redis } from 'ioredis';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { Webhooks, type WebhookOptions } from '../../src/lib/server/webhooks/webhooks.js';
import { testLog } from '../support/log.js';
import { gigInput as sharedGigInput } from '../support/fixtures.js';

export const CREATOR = { id: 'creator-1', role: 'creator' } as const;

/**
 * Builds Webhooks services the way server/domain.ts does, each standing for one Gigstage node
 * (its own Redis connection), with retries in milliseconds; stops their workers after each test.
 */
export function webhookNodes(redis: () => Redis) {
	const started: { webhooks: Webhooks; connection: Redis }[] = [];
	afterEach(async () => {
		for (const { webhooks, connection } of started.splice(0)) {
			await webhooks.stop();
			connection.disconnect();
		}
	});
	return (options: Partial<Omit<WebhookOptions, 'log'>> = {}) => {
		const connection = redis().duplicate();
		const webhooks = new Webhooks(connection, new Gigs(connection), { allowPrivate: true, log: testLog, retryBaseMs: 50, pollMs: 10, timeoutMs: 2000, ...options });
		started.push({ webhooks, connection });
		return webhooks;
	};
}

/** A free gig: webhook tests sell tickets without a checkout. */
export const gigInput = (over: Record<string, unknown> = {}) => sharedGigInput({ price: '0', ...over });
