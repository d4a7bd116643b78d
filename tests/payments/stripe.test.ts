import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createStripePayments,
	StripeSignatureError,
	type CheckoutRequest,
	type CompletedPayment,
	type StripePayments
} from '../../src/lib/server/payments/stripe.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';

const SECRET_KEY = 'sk_test_gigstage_4f9b2c';
const WEBHOOK_SECRET = 'whsec_gigstage_test_7d1e';

let fake: FakeStripe;
let payments: StripePayments;
let receiver: WebhookReceiver;

beforeAll(async () => {
	fake = await startFakeStripe({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
	payments = createStripePayments({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: fake.apiBase });
	receiver = await startWebhookReceiver(payments);
});

afterAll(async () => {
	await receiver?.close();
	await fake?.close();
});

let nextCheckout = 0;
function ticket(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
	const checkoutId = `chk_${++nextCheckout}`;
	return {
		checkoutId,
		// Characters that the form encoding must carry intact.
		gigTitle: 'Zoë & the Owls [live] = 100% "unplugged"',
		amountCents: 1850,
		currency: 'eur',
		customerEmail: 'fan@example.org',
		successUrl: `https://gigs.example.org/checkout/${checkoutId}/done?session={CHECKOUT_SESSION_ID}`,
		cancelUrl: `https://gigs.example.org/checkout/${checkoutId}/cancelled`,
		...overrides
	};
}

/** A real completed-checkout event, as fake Stripe delivers it. */
async function completedEventBody(): Promise<{ body: string; checkoutId: string; sessionId: string }> {
	const req = ticket();
	const { sessionId } = await payments.startCheckout(req);
	expect(await fake.completeSession(sessionId, receiver.url)).toBe(200);
	const body = fake.sessions.get(sessionId)?.event?.body;
	if (!body) throw new Error('fake Stripe kept no event body');
	return { body, checkoutId: req.checkoutId, sessionId };
}

function eventBody(type: string, session: Record<string, unknown>): string {
	const object = { object: 'checkout.session', ...session };
	return JSON.stringify({ id: 'evt_test_1', object: 'event', type, created: 1, livemode: false, data: { object } });
}

/** Parses a body under a valid, current signature. */
function parseSigned(body: string): CompletedPayment | null {
	return payments.parseWebhook(body, fake.signature(body));
}

function signWith(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
	return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

describe('starting a Stripe checkout', () => {
	it("creates a one-ticket payment session with the gig's title, price, currency and return urls", async () => {
		const req = ticket();
		const { sessionId } = await payments.startCheckout(req);

		const created = fake.sessions.get(sessionId);
		expect(created?.params).toEqual({
			mode: 'payment',
			line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '1850', product_data: { name: req.gigTitle } } }],
			success_url: req.successUrl,
			cancel_url: req.cancelUrl,
			client_reference_id: req.checkoutId,
			metadata: { checkout_id: req.checkoutId },
			customer_email: 'fan@example.org',
			expires_at: expect.stringMatching(/^\d+$/)
		});
		expect(created?.object).toMatchObject({ amount_total: 1850, currency: 'eur', payment_status: 'unpaid', status: 'open' });
		// Stripe's shortest session (30 minutes) and a margin: a late payment is bounded.
		const lifetime = created!.object.expires_at - created!.object.created;
		expect(lifetime).toBeGreaterThanOrEqual(30 * 60);
		expect(lifetime).toBeLessThanOrEqual(40 * 60);
	});

	it("returns Stripe's session id and the page to send the buyer to", async () => {
		const result = await payments.startCheckout(ticket());
		expect(result.sessionId).toMatch(/^cs_test_\w+$/);
		expect(result.url).toBe(`${fake.apiBase}/pay/${result.sessionId}`);
		expect((await fetch(result.url)).status).toBe(200);
	});

	it('leaves the email out when the buyer gave none, so Stripe asks for it', async () => {
		const { sessionId } = await payments.startCheckout(ticket({ customerEmail: undefined }));
		expect(fake.sessions.get(sessionId)?.params).not.toHaveProperty('customer_email');
	});

	it("is refused with Stripe's authentication error when the secret key is wrong", async () => {
		const before = fake.sessions.size;
		const wrong = createStripePayments({ secretKey: 'sk_test_not_the_right_key_9999', webhookSecret: WEBHOOK_SECRET, apiBase: fake.apiBase });
		await expect(wrong.startCheckout(ticket())).rejects.toMatchObject({
			type: 'StripeAuthenticationError',
			statusCode: 401,
			message: expect.stringMatching(/^Invalid API Key provided: sk_test_\*+9999$/)
		});
		expect(fake.sessions.size).toBe(before);
	});

	it('refuses an api base with a path, which the library would silently drop', () => {
		const apiBase = `${fake.apiBase}/stripe`;
		expect(() => createStripePayments({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase })).toThrow(/must not have a path/);
	});

	it('refuses to start without a webhook secret rather than rejecting every webhook later', () => {
		expect(() => createStripePayments({ secretKey: SECRET_KEY, webhookSecret: ' ', apiBase: fake.apiBase })).toThrow(/webhook secret is empty/);
	});
});

describe('Stripe webhooks', () => {
	it('turns a signed checkout.session.completed delivery into a paid checkout', async () => {
		const req = ticket();
		const { sessionId } = await payments.startCheckout(req);
		const status = await fake.completeSession(sessionId, receiver.url);
		expect(status).toBe(200);
		expect(receiver.received.at(-1)).toEqual({ checkoutId: req.checkoutId, sessionId, paid: true });
	});

	it('gives the same payment again when Stripe redelivers the event', async () => {
		const req = ticket();
		const { sessionId } = await payments.startCheckout(req);
		await fake.completeSession(sessionId, receiver.url);
		const count = receiver.received.length;
		expect(await fake.completeSession(sessionId, receiver.url)).toBe(200);
		expect(receiver.received.length).toBe(count + 1);
		expect(receiver.received.at(-1)).toEqual({ checkoutId: req.checkoutId, sessionId, paid: true });
		// The same event (same id, same bytes) under a fresh signature.
		expect(receiver.bodies.at(-1)).toBe(receiver.bodies.at(-2));
		expect(receiver.signatures.at(-1)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
	});

	it('refuses a body that was changed after signing', async () => {
		const { body, checkoutId } = await completedEventBody();
		const tampered = body.replace(checkoutId, 'chk_someone_else');
		expect(tampered).not.toBe(body);
		expect(() => payments.parseWebhook(tampered, fake.signature(body))).toThrow(StripeSignatureError);
		expect(await fake.postWebhook(receiver.url, tampered, fake.signature(body))).toBe(400);
	});

	it('refuses a signature made with another secret', async () => {
		const { body } = await completedEventBody();
		expect(() => payments.parseWebhook(body, signWith('whsec_somebody_else', body))).toThrow(StripeSignatureError);
	});

	it('refuses a delivery without a Stripe-Signature header', async () => {
		const { body } = await completedEventBody();
		expect(() => payments.parseWebhook(body, undefined)).toThrow(StripeSignatureError);
		expect(() => payments.parseWebhook(body, '')).toThrow(StripeSignatureError);
	});

	it('refuses a correctly signed event older than five minutes, against replays', async () => {
		const { body, checkoutId, sessionId } = await completedEventBody();
		const now = Math.floor(Date.now() / 1000);
		expect(() => payments.parseWebhook(body, fake.signature(body, now - 301))).toThrow(/tolerance/);
		expect(() => payments.parseWebhook(body, fake.signature(body, now - 301))).toThrow(StripeSignatureError);
		expect(payments.parseWebhook(body, fake.signature(body, now - 240))).toEqual({ checkoutId, sessionId, paid: true });
	});

	it('takes the raw body as a Buffer, as an HTTP handler reads it', async () => {
		const { body, checkoutId, sessionId } = await completedEventBody();
		expect(payments.parseWebhook(Buffer.from(body, 'utf8'), fake.signature(body))).toEqual({ checkoutId, sessionId, paid: true });
	});

	it('ignores event types that do not complete a checkout', () => {
		for (const type of ['checkout.session.expired', 'checkout.session.async_payment_failed', 'payment_intent.succeeded']) {
			const body = eventBody(type, { id: 'cs_test_x', client_reference_id: 'chk_x', payment_status: 'paid' });
			expect(parseSigned(body)).toBeNull();
		}
	});

	it('reports a completed session still waiting for a delayed payment as not paid, and the later async success as paid', () => {
		const session = { id: 'cs_test_sepa', client_reference_id: 'chk_sepa', metadata: {} };
		const completed = eventBody('checkout.session.completed', { ...session, payment_status: 'unpaid' });
		expect(parseSigned(completed)).toEqual({ checkoutId: 'chk_sepa', sessionId: 'cs_test_sepa', paid: false });
		const succeeded = eventBody('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' });
		expect(parseSigned(succeeded)).toEqual({ checkoutId: 'chk_sepa', sessionId: 'cs_test_sepa', paid: true });
	});

	it('finds the checkout in metadata when client_reference_id is missing, and ignores sessions that are not ours', () => {
		const fromMetadata = eventBody('checkout.session.completed', {
			id: 'cs_test_m',
			client_reference_id: null,
			metadata: { checkout_id: 'chk_meta' },
			payment_status: 'paid'
		});
		expect(parseSigned(fromMetadata)).toEqual({ checkoutId: 'chk_meta', sessionId: 'cs_test_m', paid: true });
		const foreign = eventBody('checkout.session.completed', { id: 'cs_test_f', client_reference_id: null, metadata: {}, payment_status: 'paid' });
		expect(parseSigned(foreign)).toBeNull();
	});
});

describe('fake Stripe', () => {
	function client(key = SECRET_KEY): Stripe {
		const { port } = new URL(fake.apiBase);
		return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
	}

	it('answers missing required params with Stripe-shaped 400 errors', async () => {
		await expect(client().checkout.sessions.create({ success_url: 'https://gigs.example.org/ok' })).rejects.toMatchObject({
			type: 'StripeInvalidRequestError',
			statusCode: 400,
			code: 'parameter_missing',
			param: 'mode'
		});
		await expect(client().checkout.sessions.create({ mode: 'payment', success_url: 'https://gigs.example.org/ok' })).rejects.toMatchObject({
			param: 'line_items'
		});
	});

	it('rejects parameters Stripe does not know, as Stripe does', async () => {
		const priceData = { currency: 'eur', unitAmount: 100, product_data: { name: 'x' } };
		const params = { mode: 'payment', success_url: 'https://x.example/ok', line_items: [{ quantity: 1, price_data: priceData }] };
		await expect(client().checkout.sessions.create(params as unknown as Stripe.Checkout.SessionCreateParams)).rejects.toMatchObject({
			code: 'parameter_unknown',
			param: 'line_items[0][price_data][unitAmount]'
		});
	});

	it('refuses a request without an API key', async () => {
		const res = await fetch(`${fake.apiBase}/v1/checkout/sessions`, { method: 'POST', body: 'mode=payment' });
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({
			error: { type: 'invalid_request_error', message: expect.stringContaining('did not provide an API key') }
		});
	});

	it('records the idempotency key and API version the library sends', async () => {
		const { sessionId } = await payments.startCheckout(ticket());
		expect(fake.sessions.get(sessionId)?.headers).toMatchObject({
			idempotencyKey: expect.stringMatching(/^stripe-node-retry-/),
			stripeVersion: Stripe.API_VERSION
		});
	});
});

type WebhookReceiver = { url: string; received: Array<CompletedPayment | null>; bodies: string[]; signatures: string[]; close(): Promise<void> };

/** The app's side of the webhook, reduced to what parseWebhook needs: the raw body and the header. */
async function startWebhookReceiver(handler: StripePayments): Promise<WebhookReceiver> {
	const received: Array<CompletedPayment | null> = [];
	const bodies: string[] = [];
	const signatures: string[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const raw = req.headers['stripe-signature'];
			const header = Array.isArray(raw) ? raw[0] : raw;
			bodies.push(Buffer.concat(chunks).toString('utf8'));
			signatures.push(header ?? '');
			try {
				received.push(handler.parseWebhook(Buffer.concat(chunks), header));
				res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
			} catch (error) {
				res.writeHead(error instanceof StripeSignatureError ? 400 : 500).end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
		received,
		bodies,
		signatures,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
