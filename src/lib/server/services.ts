import type { Accounts } from './accounts/accounts.js';
import type { Gigs } from './gigs/gigs.js';
import type { Covers } from './gigs/covers.js';
import type { Tickets } from './tickets/tickets.js';
import type { Purchases } from './tickets/purchases.js';
import type { Chat } from './chat/chat.js';
import type { Webhooks } from './webhooks/webhooks.js';
import type { Mailer } from './mail/mailer.js';
import type { Notifications } from './notifications/notifications.js';
import type { SessionSockets } from './accounts/session-sockets.js';
import type { EmailConfirmation } from './accounts/email-confirmation.js';
import type { PasswordReset } from './accounts/password-reset.js';
import type { AccountSettings } from './accounts/account-settings.js';
import type { AccountDeletion } from './accounts/account-deletion.js';
import type { StoreGate } from './store.js';
import type { Connections } from './connections.js';
import type { CreatorHandles } from './creators/handles.js';
import type { Follows } from './creators/follows.js';

/** What pages may know of the server's configuration. */
export type SiteSettings = {
	publicUrl: string | null;
	rtmpPort: number;
	platformWallet: string | null;
	devPayments: boolean;
};

/** Everything about one's own account beyond logging in: confirming, resetting, settings, deleting. */
export type AccountServices = {
	/** Where ended sessions' live connections get closed (attached by the composition root). */
	sockets: SessionSockets;
	confirmation: EmailConfirmation;
	reset: PasswordReset;
	settings: AccountSettings;
	deletion: AccountDeletion;
};

export type Services = {
	accounts: Accounts;
	gigs: Gigs;
	covers: Covers;
	tickets: Tickets;
	purchases: Purchases;
	chat: Chat;
	webhooks: Webhooks;
	mail: Mailer;
	notifications: Notifications;
	account: AccountServices;
	/** Creators' public pages (their handles) and who follows them. */
	creators: { handles: CreatorHandles; follows: Follows };
	settings: SiteSettings;
	/** Whether Redis answers right now: pages answer 503 at once while it does not. */
	store: StoreGate;
	/** Closes open stream and chat connections on every node (log-out, cancelled gig…). */
	connections: Connections;
};

/** The domain modules, before signaling adds what only it can do. */
export type Domain = Omit<Services, 'connections'>;

// The SvelteKit app is bundled separately from the server that builds these (server/app.ts), so
// they meet on a well-known global rather than through a module both import.
const KEY = Symbol.for('gigstage.services');

export function provideServices(services: Services): void {
	(globalThis as Record<symbol, unknown>)[KEY] = services;
}

export function services(): Services {
	const found = (globalThis as Record<symbol, unknown>)[KEY] as Services | undefined;
	if (!found) throw new Error('Gigstage services are not set up: start the app through server/main.ts or server/dev.ts');
	return found;
}
