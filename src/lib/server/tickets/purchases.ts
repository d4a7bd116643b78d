import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import type { Gig, Gigs } from '../gigs/gigs.js';
import { StripeSignatureError, type StripePayments } from '../payments/stripe.js';
import type { Checkout, PaymentProviderName, Ticket, Tickets } from './tickets.js';
import type { User } from '../accounts/accounts.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { requireConfirmedEmail } from '../access.js';
import type { Notifications } from '../notifications/notifications.js';

export type PurchaseResult = { kind: 'ticket'; ticket: Ticket } | { kind: 'redirect'; url: string };

/** The simulated card checkout: these numbers succeed or are declined, like a payment provider's test cards. */
export const DEV_CARDS = { success: '4242424242424242', declined: '4000000000000002' };

/** Buying a ticket: picks the payment method, opens the checkout, and issues the ticket once paid. */
export class Purchases {
	constructor(
		private readonly gigs: Gigs,
		private readonly tickets: Tickets,
		private readonly options: {
			devPayments: boolean;
			stripe: StripePayments | null;
			webhooks: Pick<Webhooks, 'ticketIssued'>;
			/** Receipts and creators' sale mail (see notifications/ticket-mail.ts). */
			mail?: Pick<Notifications, 'ticketIssued'>;
			log: Logger;
		}
	) {}

	/** How this gig's tickets can be paid here, in order of preference. */
	methods(gig: Pick<Gig, 'priceMinor'>): PaymentProviderName[] {
		if (gig.priceMinor === 0) return ['free'];
		const methods: PaymentProviderName[] = [];
		if (this.options.stripe) methods.push('stripe');
		if (this.options.devPayments) methods.push('dev');
		return methods;
	}

	async buy(user: User, gigId: string, method: string, origin: string): Promise<PurchaseResult> {
		const gig = await this.gigs.get(gigId);
		if (!gig) throw new DomainError('GIG_NOT_FOUND', 'There is no such gig.');
		const provider = this.methods(gig).find((m) => m === method);
		if (!provider) throw new DomainError('PAYMENT_UNAVAILABLE', 'That way of paying is not available for this gig.');
		// Free tickets need no confirmed address; paying does (receipts, refunds, chargebacks).
		if (provider !== 'free') requireConfirmedEmail(user);
		const checkout = await this.tickets.startCheckout(gig, user.id, provider);
		if (provider === 'free') return { kind: 'ticket', ticket: await this.issue(checkout.id, gig.capacity) };
		if (provider === 'dev') return { kind: 'redirect', url: `/checkout/dev/${checkout.id}` };
		const session = await this.options.stripe!.startCheckout({
			checkoutId: checkout.id,
			gigTitle: gig.title,
			amountCents: gig.priceMinor,
			currency: gig.currency.toLowerCase(),
			customerEmail: user.email,
			successUrl: `${origin}/gigs/${gig.id}?paid=1`,
			// Coming back without paying gives the seat back at once.
			cancelUrl: `${origin}/checkout/cancel/${checkout.id}`
		});
		this.options.log.info({ gigId, checkoutId: checkout.id, sessionId: session.sessionId }, 'stripe checkout started');
		return { kind: 'redirect', url: session.url };
	}

	/** The simulated card payment of the dev checkout page. */
	async payDev(checkoutId: string, user: User, cardNumber: string): Promise<Ticket> {
		if (!this.options.devPayments) throw new DomainError('PAYMENT_UNAVAILABLE', 'The test checkout is switched off on this server.');
		const checkout = await this.tickets.checkout(checkoutId);
		if (!checkout || checkout.userId !== user.id || checkout.provider !== 'dev') {
			throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		}
		const card = cardNumber.replace(/[\s-]/g, '');
		if (card !== DEV_CARDS.success) {
			throw new DomainError('PAYMENT_DECLINED', `The card was declined. Use the test card ${DEV_CARDS.success.replace(/(\d{4})/g, '$1 ').trim()}.`, {
				cardNumber: 'Declined'
			});
		}
		const gig = await this.gigs.get(checkout.gigId);
		return this.issue(checkoutId, gig?.capacity ?? null, { requireHold: true });
	}

	/** The buyer abandoned this checkout (went back from the test checkout or from Stripe): its seat is free again at once. */
	async cancel(checkoutId: string, user: User): Promise<Checkout> {
		const checkout = await this.tickets.release(checkoutId, user.id);
		if (!checkout) throw new DomainError('CHECKOUT_NOT_FOUND', 'That checkout does not exist or has expired.');
		this.options.log.info({ checkoutId, gigId: checkout.gigId, status: checkout.status }, 'checkout abandoned');
		return checkout;
	}

	/**
	 * A Stripe webhook. Throws StripeSignatureError for a forged or stale one; issuing is idempotent,
	 * so Stripe's retries of the same event get the same ticket.
	 */
	async stripeWebhook(rawBody: string, signature: string | undefined): Promise<Ticket | null> {
		if (!this.options.stripe) throw new DomainError('PAYMENT_UNAVAILABLE', 'Stripe is not configured on this server.');
		const payment = this.options.stripe.parseWebhook(rawBody, signature);
		if (!payment?.paid) return null;
		const checkout = await this.tickets.checkout(payment.checkoutId);
		if (!checkout) {
			this.options.log.warn({ checkoutId: payment.checkoutId, sessionId: payment.sessionId }, 'stripe paid an unknown checkout');
			return null;
		}
		const gig = await this.gigs.get(checkout.gigId);
		try {
			const ticket = await this.issue(payment.checkoutId, gig?.capacity ?? null);
			this.options.log.info({ ticketId: ticket.id, gigId: ticket.gigId, sessionId: payment.sessionId }, 'ticket issued');
			return ticket;
		} catch (error) {
			if (error instanceof DomainError && error.code === 'SOLD_OUT') {
				// The seat's hold expired while the buyer paid and someone else took it.
				this.options.log.error({ checkoutId: checkout.id, sessionId: payment.sessionId }, 'paid after selling out: refund this payment');
				return null;
			}
			throw error;
		}
	}

	/**
	 * Every payment path issues here, so the creator's webhook and the mail hear of each new
	 * ticket (once: see announce). The ticket is what the buyer paid for: it is answered even when
	 * its announcement cannot be queued right now; announceMissed() queues that later.
	 */
	private async issue(checkoutId: string, capacity: number | null, options: { requireHold?: boolean } = {}): Promise<Ticket> {
		const ticket = await this.tickets.issue(checkoutId, capacity, Date.now(), options);
		await this.announce(ticket);
		return ticket;
	}

	/** Announces tickets issued at least `graceMs` ago whose announcement was cut off; returns how many. */
	async announceMissed(graceMs = 30_000, now = Date.now()): Promise<number> {
		let announced = 0;
		for (const ticketId of await this.tickets.unannounced(now - graceMs)) {
			const ticket = await this.tickets.ticket(ticketId);
			if (!ticket) await this.tickets.announced(ticketId);
			else if (await this.announce(ticket)) announced++;
		}
		return announced;
	}

	/**
	 * Queues the creator's `ticket.issued` and the ticket's mail (receipt, sale notice). Each has
	 * its own once-key, so announcing again after a partial failure queues only what is missing.
	 */
	private async announce(ticket: Ticket): Promise<boolean> {
		const [webhook, mail] = await Promise.all([this.options.webhooks.ticketIssued(ticket), this.options.mail?.ticketIssued(ticket) ?? true]);
		if (!webhook || !mail) return false;
		// If this fails the announcement is queued again later, and the once-keys drop the repeats.
		await this.tickets.announced(ticket.id).catch(() => undefined);
		return true;
	}
}

export { StripeSignatureError };
