import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { devPaymentsEnabled, mailFrom, type Config } from './config.js';
import { Accounts } from '../src/lib/server/accounts/accounts.js';
import { Gigs } from '../src/lib/server/gigs/gigs.js';
import { Covers } from '../src/lib/server/gigs/covers.js';
import { Tickets } from '../src/lib/server/tickets/tickets.js';
import { Purchases } from '../src/lib/server/tickets/purchases.js';
import { createStripePayments } from '../src/lib/server/payments/stripe.js';
import { createChat } from '../src/lib/server/chat/chat.js';
import { Webhooks } from '../src/lib/server/webhooks/webhooks.js';
import type { Domain } from '../src/lib/server/services.js';
import { SiteLinks } from '../src/lib/server/site-links.js';
import { Mailer } from '../src/lib/server/mail/mailer.js';
import { SmtpTransport } from '../src/lib/server/mail/transports.js';
import { SessionSockets } from '../src/lib/server/accounts/session-sockets.js';
import { EmailConfirmation } from '../src/lib/server/accounts/email-confirmation.js';
import { PasswordReset } from '../src/lib/server/accounts/password-reset.js';
import { AccountSettings } from '../src/lib/server/accounts/account-settings.js';
import { AccountDeletion } from '../src/lib/server/accounts/account-deletion.js';
import { NotificationPreferences } from '../src/lib/server/notifications/preferences.js';
import { UnsubscribeTokens } from '../src/lib/server/notifications/unsubscribe.js';
import { StillWanted } from '../src/lib/server/notifications/mail-checks.js';
import { Notifications } from '../src/lib/server/notifications/notifications.js';
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
	const accounts = new Accounts(redis);
	const chat = createChat(redis, { historyLength: config.CHAT_HISTORY_LENGTH, presenceTtlSeconds: config.PRESENCE_TTL_SECONDS });
	const { mail, notifications } = createMail(config, redis, log, { accounts, gigs, tickets });
	const sockets = new SessionSockets(log);
	const follows = new Follows(redis);
	const accountMail = { mailer: mail, links: mail.links };
	return {
		accounts,
		gigs,
		covers: new Covers(config.DATA_DIR, redis, gigs, health.disk),
		tickets,
		purchases: new Purchases(gigs, tickets, { devPayments, stripe, webhooks, mail: notifications, log }),
		webhooks,
		chat,
		creators: { handles: new CreatorHandles(redis), follows },
		mail,
		notifications,
		account: {
			sockets,
			confirmation: new EmailConfirmation(redis, accounts, accountMail),
			reset: new PasswordReset(redis, accounts, sockets, accountMail, log),
			settings: new AccountSettings(redis, accounts, sockets, accountMail),
			deletion: new AccountDeletion(
				redis,
				{ accounts, gigs, tickets, messages: chat.messages, webhooks, follows, alongside: [notifications.preferences] },
				sockets,
				accountMail,
				{ graceDays: config.ACCOUNT_ERASURE_DAYS ?? 30, log }
			)
		},
		store: health.store,
		settings: { publicUrl: config.PUBLIC_URL ?? null, rtmpPort: config.RTMP_PORT, platformWallet: config.PLATFORM_WALLET ?? null, devPayments }
	};
}

/** Mail: SMTP when SMTP_URL is set, else the outbox; and the notifications that send it. */
function createMail(config: Config, redis: Redis, log: Logger, domain: { accounts: Accounts; gigs: Gigs; tickets: Tickets }) {
	const links = new SiteLinks(config.PUBLIC_URL ?? null);
	const preferences = new NotificationPreferences(redis);
	const transport = config.SMTP_URL ? new SmtpTransport({ url: config.SMTP_URL, from: mailFrom(config), timeoutMs: 10_000 }) : null;
	const mailer = new Mailer(redis, {
		transport,
		checks: new StillWanted(domain.accounts, domain.gigs, preferences),
		links,
		log,
		retryBaseMs: (config.MAIL_RETRY_SECONDS ?? 10) * 1000
	});
	const unsubscribe = new UnsubscribeTokens(redis, links);
	const notifications = new Notifications({ redis, ...domain, mailer, links, preferences, unsubscribe, log });
	return { mail: mailer, notifications };
}
