import Stripe from 'stripe';

export type StripeConfig = {
	secretKey: string;
	webhookSecret: string;
	/** e.g. 'http://127.0.0.1:4567' for tests; default Stripe's real API. */
	apiBase?: string;
};

export type CheckoutRequest = {
	checkoutId: string;
	gigTitle: string;
	amountCents: number;
	/** ISO 4217, lowercase, e.g. 'eur'. */
	currency: string;
	customerEmail?: string;
	successUrl: string;
	cancelUrl: string;
};

export type CompletedPayment = { checkoutId: string; sessionId: string; paid: boolean };

export type StripePayments = {
	/** Creates a Checkout Session; returns where to send the buyer and Stripe's session id. */
	startCheckout(req: CheckoutRequest): Promise<{ url: string; sessionId: string }>;
	/**
	 * Verifies the Stripe-Signature header over the RAW body. Returns the payment for
	 * `checkout.session.completed` and `checkout.session.async_payment_succeeded`, null for event
	 * types we ignore; throws StripeSignatureError for a bad, missing or too old signature.
	 */
	parseWebhook(rawBody: string | Buffer, signatureHeader: string | undefined): CompletedPayment | null;
};

/** The webhook does not prove it came from Stripe, unaltered, within the last five minutes. */
const BRAND = Symbol.for('gigstage.StripeSignatureError');

/** Branded like DomainError: the SvelteKit bundle checks errors made by the server's copy. */
export class StripeSignatureError extends Error {
	readonly [BRAND] = true;

	static override [Symbol.hasInstance](value: unknown): boolean {
		return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
	}

	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = 'StripeSignatureError';
	}
}

export function createStripePayments(config: StripeConfig): StripePayments {
	// A blank webhook secret would otherwise surface as a "bad signature" on every event.
	if (!config.secretKey.trim()) throw new Error('Stripe secret key is empty');
	if (!config.webhookSecret.trim()) throw new Error('Stripe webhook secret is empty');

	const stripe = new Stripe(config.secretKey, {
		...(config.apiBase ? apiAddress(config.apiBase) : {}),
		maxNetworkRetries: 1,
		timeout: 10_000,
		// No request-latency reports riding along on later requests.
		telemetry: false
	});

	return {
		async startCheckout(req) {
			const session = await stripe.checkout.sessions.create({
				mode: 'payment',
				line_items: [
					{
						quantity: 1,
						price_data: { currency: req.currency, unit_amount: req.amountCents, product_data: { name: req.gigTitle } }
					}
				],
				success_url: req.successUrl,
				cancel_url: req.cancelUrl,
				client_reference_id: req.checkoutId,
				// Stripe's shortest session (30 minutes, with a margin for clocks): a payment made after
				// Gigstage's hold ran out gets a ticket only while a seat is free.
				expires_at: Math.floor(Date.now() / 1000) + 35 * 60,
				metadata: { checkout_id: req.checkoutId },
				customer_email: req.customerEmail
			});
			if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
			return { url: session.url, sessionId: session.id };
		},

		parseWebhook(rawBody, signatureHeader) {
			let event: Stripe.Event;
			try {
				event = stripe.webhooks.constructEvent(rawBody, signatureHeader ?? '', config.webhookSecret);
			} catch (error) {
				if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
					throw new StripeSignatureError(error.message, { cause: error });
				}
				throw error;
			}
			if (event.type !== 'checkout.session.completed' && event.type !== 'checkout.session.async_payment_succeeded') return null;
			const session = event.data.object;
			const checkoutId = session.client_reference_id || session.metadata?.checkout_id;
			// A session some other integration on the same account created: not ours to fulfil.
			if (!checkoutId) return null;
			return {
				checkoutId,
				sessionId: session.id,
				// Delayed methods (SEPA, bank transfers) complete the session 'unpaid' and pay later.
				paid: session.payment_status === 'paid' || session.payment_status === 'no_payment_required'
			};
		}
	};
}

/**
 * The library takes host, port and protocol separately and always requests /v1/..., so a base
 * with a path can't work; and without an explicit port it would dial 443 even over http.
 */
function apiAddress(apiBase: string): { host: string; port: number; protocol: 'http' | 'https' } {
	const url = new URL(apiBase);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Stripe apiBase must be http(s): ${apiBase}`);
	if (url.pathname !== '/' || url.search) throw new Error(`Stripe apiBase must not have a path: ${apiBase}`);
	const protocol = url.protocol === 'http:' ? 'http' : 'https';
	return {
		// node:http wants '::1', not URL's '[::1]'.
		host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
		port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443,
		protocol
	};
}
