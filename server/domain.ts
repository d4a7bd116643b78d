import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { devPaymentsEnabled, type Config } from './config.js';
import { Accounts } from '../src/lib/server/accounts/accounts.js';
import { Gigs } from '../src/lib/server/gigs/gigs.js';
import { Covers } from '../src/lib/server/gigs/covers.js';
import { Tickets } from '../src/lib/server/tickets/tickets.js';
import { Purchases } from '../src/lib/server/tickets/purchases.js';
import { createStripePayments } from '../src/lib/server/payments/stripe.js';
import { createChat } from '../src/lib/server/chat/chat.js';
import { Webhooks } from '../src/lib/server/webhooks/webhooks.js';
import type { Domain } from '../src/lib/server/services.js';
import { CreatorHandles } from '../src/lib/server/creators/handles.js';
import { Follows } from '../src/lib/server/creators/follows.js';
import type { StoreGate } from '../src/lib/server/store.js';
import type { DiskRoom } from '../src/lib/server/gigs/covers.js';

/** Builds the domain modules on one Redis connection, from the configuration. */
export function createDomain(config: Config, redis: Redis, log: Logger, health: { store: StoreGate; disk: DiskRoom }): Domain {
	const gigs = new Gigs(redis);
	const tickets = new Tickets(redis);
	const webhooks = new Webhooks(redis, gigs, { allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE === 'true', log });
	const stripe =
		config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET
			? createStripePayments({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, apiBase: config.STRIPE_API_BASE })
			: null;
	const devPayments = devPaymentsEnabled(config);
	return {
		accounts: new Accounts(redis),
		gigs,
		covers: new Covers(config.DATA_DIR, redis, gigs, health.disk),
		tickets,
		purchases: new Purchases(gigs, tickets, { devPayments, stripe, webhooks, log }),
		webhooks,
		chat: createChat(redis, { historyLength: config.CHAT_HISTORY_LENGTH, presenceTtlSeconds: config.PRESENCE_TTL_SECONDS }),
		creators: { handles: new CreatorHandles(redis), follows: new Follows(redis) },
		store: health.store,
		settings: { publicUrl: config.PUBLIC_URL ?? null, rtmpPort: config.RTMP_PORT, platformWallet: config.PLATFORM_WALLET ?? null, devPayments }
	};
}
