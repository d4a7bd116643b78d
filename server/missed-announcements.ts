import type { Logger } from 'pino';
import type { Purchases } from '../src/lib/server/tickets/purchases.js';
import type { StoreGate } from '../src/lib/server/store.js';

const EVERY_MS = 10_000;

/**
 * Queues, every ten seconds, the announcements (webhooks) of tickets issued while Redis or this
 * node went away between issuing and queueing: the ticket was answered, so its `ticket.issued`
 * must still go out, once. Every node runs it; the webhook's once-key keeps them from doubling.
 */
export function announceMissedTickets(purchases: Pick<Purchases, 'announceMissed'>, store: StoreGate, log: Logger): { stop(): void } {
	let running = false;
	const timer = setInterval(async () => {
		if (running || !store.available) return;
		running = true;
		try {
			const announced = await purchases.announceMissed();
			if (announced) log.info({ tickets: announced }, 'queued the announcements of tickets issued during an outage');
		} catch (error) {
			log.warn({ err: error }, 'could not look for unannounced tickets');
		} finally {
			running = false;
		}
	}, EVERY_MS);
	timer.unref();
	return { stop: () => clearInterval(timer) };
}
