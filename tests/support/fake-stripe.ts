import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A loopback stand-in for api.stripe.com that speaks its wire protocol (form-encoded requests in
 * bracket notation, Bearer keys, JSON errors) closely enough for the official `stripe` library,
 * and plays Stripe's part in webhooks: signed `checkout.session.completed` deliveries.
 */

export type FormValue = string | FormValue[] | FormObject;
export type FormObject = { [key: string]: FormValue };

export type FakeCheckoutSession = {
	id: string;
	object: 'checkout.session';
	amount_subtotal: number;
	amount_total: number;
	cancel_url: string | null;
	client_reference_id: string | null;
	created: number;
	currency: string;
	customer: null;
	customer_details: { email: string | null } | null;
	customer_email: string | null;
	expires_at: number;
	livemode: false;
	metadata: Record<string, string>;
	mode: string;
	payment_intent: string | null;
	payment_status: 'unpaid' | 'paid';
	status: 'open' | 'complete';
	success_url: string | null;
	ui_mode: string;
	url: string | null;
};

export type FakeSession = {
	id: string;
	/** The create request's form body, parsed into nested objects and arrays. */
	params: FormObject;
	headers: { idempotencyKey?: string; stripeVersion?: string; userAgent?: string };
	/** What the API answers for it; completeSession() marks it paid. */
	object: FakeCheckoutSession;
	/** The completed event, fixed once made so that redeliveries are byte-for-byte the same. */
	event?: { id: string; body: string };
};

export type FakeStripe = {
	apiBase: string;
	sessions: Map<string, FakeSession>;
	/** Marks the session paid and POSTs a signed `checkout.session.completed`; resolves to the webhook's HTTP status. Call again to redeliver. */
	completeSession(sessionId: string, webhookUrl?: string): Promise<number>;
	/** POSTs any raw body with any signature header, for negative tests. */
	postWebhook(url: string, body: string, signatureHeader: string): Promise<number>;
	/** A valid Stripe-Signature header value for body: `t=<unix>,v1=<hex hmac-sha256 of "t.body">`. */
	signature(body: string, timestamp?: number): string;
	close(): Promise<void>;
};

type StripeErrorBody = { type: 'invalid_request_error'; message: string; code?: string; param?: string };

class StripeHttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: StripeErrorBody
	) {
		super(body.message);
	}
}

const API_VERSION = '2026-10-28.endive';
const MAX_BODY = 1 << 20;

export async function startFakeStripe(options: { secretKey: string; webhookSecret: string; webhookUrl?: string }): Promise<FakeStripe> {
	const sessions = new Map<string, FakeSession>();
	let apiBase = '';

	const server = http.createServer((req, res) => {
		handle(req)
			.then(({ status, body, contentType }) => send(res, req, status, body, contentType))
			.catch((error: unknown) => {
				if (error instanceof StripeHttpError) return send(res, req, error.status, { error: error.body });
				send(res, req, 500, { error: { type: 'api_error', message: String(error) } });
			});
	});

	async function handle(req: http.IncomingMessage): Promise<{ status: number; body: unknown; contentType?: string }> {
		const path = new URL(req.url ?? '/', 'http://fake').pathname;
		const payPage = /^\/pay\/(cs_test_\w+)$/.exec(path);
		if (req.method === 'GET' && payPage) {
			// Where `url` sends the buyer: a page, so a browser following the redirect doesn't 404.
			const page = `<!doctype html><title>Fake Stripe Checkout</title><h1>${payPage[1]}</h1>`;
			return { status: sessions.has(payPage[1]!) ? 200 : 404, body: page, contentType: 'text/html' };
		}
		const raw = await readBody(req);
		authenticate(req.headers.authorization);
		if (req.method === 'POST' && path === '/v1/checkout/sessions') return { status: 200, body: createSession(req, parseStripeForm(raw)).object };
		const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
		if (req.method === 'GET' && one) {
			const found = sessions.get(decodeURIComponent(one[1]!));
			if (found) return { status: 200, body: found.object };
			throw invalid(404, `No such checkout.session: '${one[1]}'`, { code: 'resource_missing', param: 'session' });
		}
		throw invalid(
			404,
			`Unrecognized request URL (${req.method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`
		);
	}

	function authenticate(header: string | undefined): void {
		const bearer = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
		// Stripe also takes the key as HTTP Basic user name.
		const basic = /^Basic (.+)$/i.exec(header ?? '')?.[1];
		const key = bearer ?? (basic ? Buffer.from(basic, 'base64').toString().replace(/:.*$/, '') : undefined);
		if (!key) {
			throw invalid(
				401,
				"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
			);
		}
		if (key !== options.secretKey) throw invalid(401, `Invalid API Key provided: ${maskKey(key)}`);
	}

	function createSession(req: http.IncomingMessage, params: FormObject): FakeSession {
		const checked = validateSessionParams(params);
		const id = `cs_test_${randomId(24)}`;
		const created = Math.floor(Date.now() / 1000);
		// Stripe accepts a session lifetime between 30 minutes and 24 hours.
		const expiresAt = optionalString(params, 'expires_at') === undefined ? created + 24 * 3600 : Number(optionalString(params, 'expires_at'));
		if (!Number.isInteger(expiresAt) || expiresAt < created + 30 * 60 || expiresAt > created + 24 * 3600) {
			throw invalid(400, 'The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.');
		}
		const session: FakeSession = {
			id,
			params,
			headers: {
				idempotencyKey: header(req, 'idempotency-key'),
				stripeVersion: header(req, 'stripe-version'),
				userAgent: header(req, 'user-agent')
			},
			object: {
				id,
				object: 'checkout.session',
				amount_subtotal: checked.amountTotal,
				amount_total: checked.amountTotal,
				cancel_url: optionalString(params, 'cancel_url') ?? null,
				client_reference_id: optionalString(params, 'client_reference_id') ?? null,
				created,
				currency: checked.currency,
				customer: null,
				customer_details: null,
				customer_email: optionalString(params, 'customer_email') ?? null,
				expires_at: expiresAt,
				livemode: false,
				metadata: checked.metadata,
				mode: checked.mode,
				payment_intent: null,
				payment_status: 'unpaid',
				status: 'open',
				success_url: optionalString(params, 'success_url') ?? null,
				ui_mode: optionalString(params, 'ui_mode') ?? 'hosted_page',
				url: `${apiBase}/pay/${id}`
			}
		};
		sessions.set(id, session);
		return session;
	}

	function send(res: http.ServerResponse, req: http.IncomingMessage, status: number, body: unknown, contentType = 'application/json'): void {
		const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
		res.writeHead(status, {
			'Content-Type': contentType,
			'Request-Id': `req_${randomId(14)}`,
			'Stripe-Version': header(req, 'stripe-version') ?? API_VERSION,
			...(req.headers['idempotency-key'] ? { 'Idempotency-Key': header(req, 'idempotency-key') } : {})
		});
		res.end(text);
	}

	function signature(body: string, timestamp = Math.floor(Date.now() / 1000)): string {
		const v1 = createHmac('sha256', options.webhookSecret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
		return `t=${timestamp},v1=${v1}`;
	}

	async function postWebhook(url: string, body: string, signatureHeader: string): Promise<number> {
		assertLoopback(url);
		const res = await fetch(url, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json; charset=utf-8',
				'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
				'Stripe-Signature': signatureHeader
			},
			body,
			redirect: 'manual',
			signal: AbortSignal.timeout(10_000)
		});
		await res.arrayBuffer();
		return res.status;
	}

	async function completeSession(sessionId: string, webhookUrl = options.webhookUrl): Promise<number> {
		const session = sessions.get(sessionId);
		if (!session) throw new Error(`fake Stripe has no session ${sessionId}`);
		if (!webhookUrl) throw new Error('completeSession needs a webhook url (here or in startFakeStripe options)');
		if (!session.event) {
			const email = session.object.customer_email ?? 'buyer@example.com';
			session.object = {
				...session.object,
				payment_status: 'paid',
				status: 'complete',
				payment_intent: `pi_${randomId(24)}`,
				customer_details: { email },
				url: null
			};
			const id = `evt_${randomId(24)}`;
			const event = {
				id,
				object: 'event',
				api_version: session.headers.stripeVersion ?? API_VERSION,
				created: Math.floor(Date.now() / 1000),
				data: { object: session.object },
				livemode: false,
				pending_webhooks: 1,
				request: { id: null, idempotency_key: null },
				type: 'checkout.session.completed'
			};
			session.event = { id, body: JSON.stringify(event, null, 2) };
		}
		// A redelivery carries the same body under a fresh signature, as Stripe's retries do.
		return postWebhook(webhookUrl, session.event.body, signature(session.event.body));
	}

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	return {
		apiBase,
		sessions,
		completeSession,
		postWebhook,
		signature,
		close: () =>
			new Promise<void>((resolve) => {
				// The library keeps connections alive; don't wait for them to idle out.
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

/**
 * Stripe's form encoding: `line_items[0][price_data][currency]=eur` becomes
 * `{ line_items: [{ price_data: { currency: 'eur' } }] }`; `a[]=x` appends.
 */
export function parseStripeForm(body: string): FormObject {
	const root: FormObject = {};
	for (const [key, value] of new URLSearchParams(body)) {
		const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
		if (!match) throw invalid(400, `Invalid parameter name: ${key}`);
		const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
		if (path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) throw invalid(400, `Invalid parameter name: ${key}`);
		let node: FormObject | FormValue[] = root;
		path.forEach((segment, i) => {
			const next = path[i + 1];
			const child: FormValue = next === undefined ? value : /^\d*$/.test(next) ? [] : {};
			node = setChild(node, segment, child, key);
		});
	}
	return root;
}

/** Puts child under segment, or reuses the container of the same kind already there; returns where to go on. */
function setChild(node: FormObject | FormValue[], segment: string, child: FormValue, key: string): FormObject | FormValue[] {
	const index = Array.isArray(node) ? (segment === '' ? node.length : Number(segment)) : -1;
	const existing = Array.isArray(node) ? node[index] : Object.hasOwn(node, segment) ? node[segment] : undefined;
	const wantsContainer = typeof child !== 'string';
	if (existing !== undefined && (wantsContainer || typeof existing !== 'string')) {
		if (wantsContainer && typeof existing !== 'string' && Array.isArray(existing) === Array.isArray(child)) return existing;
		throw invalid(400, `Invalid ${Array.isArray(wantsContainer ? child : existing) ? 'array' : 'hash'}: ${key}`, { param: key });
	}
	if (Array.isArray(node)) {
		// Indices must come in order with no gaps, as the library sends them.
		if (!Number.isInteger(index) || index > node.length) throw invalid(400, `Invalid array: ${key}`, { param: key });
		node[index] = child;
	} else {
		node[segment] = child;
	}
	return wantsContainer ? child : node;
}

// Checkout Session create params in the current API: Stripe refuses any other name.
const SESSION_PARAMS = new Set(
	(
		'adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types automatic_tax ' +
		'billing_address_collection branding_settings cancel_url client_reference_id consent_collection currency ' +
		'custom_fields custom_text customer customer_account customer_creation customer_email customer_update discounts ' +
		'excluded_payment_method_types expand expires_at integration_identifier invoice_creation line_items locale ' +
		'managed_payments metadata mode name_collection optional_items origin_context payment_intent_data ' +
		'payment_method_collection payment_method_configuration payment_method_data payment_method_options ' +
		'payment_method_types permissions phone_number_collection redirect_on_completion return_url ' +
		'saved_payment_method_options setup_intent_data shipping_address_collection shipping_options submit_type ' +
		'subscription_data success_url tax_id_collection ui_mode wallet_options'
	).split(' ')
);
const LINE_ITEM_PARAMS = new Set(['adjustable_quantity', 'dynamic_tax_rates', 'metadata', 'price', 'price_data', 'quantity', 'tax_rates']);
const PRICE_DATA_PARAMS = new Set(['currency', 'product', 'product_data', 'recurring', 'tax_behavior', 'unit_amount', 'unit_amount_decimal']);
const PRODUCT_DATA_PARAMS = new Set(['description', 'images', 'metadata', 'name', 'tax_code', 'unit_label']);

/** The checks real Stripe makes that a payment-mode Checkout Session with inline prices can trip. */
function validateSessionParams(params: FormObject): { mode: string; currency: string; amountTotal: number; metadata: Record<string, string> } {
	rejectUnknown(params, SESSION_PARAMS, '');
	const mode = requiredString(params, 'mode');
	if (!['payment', 'setup', 'subscription'].includes(mode)) {
		throw invalid(400, 'Invalid mode: must be one of payment, setup, or subscription', { param: 'mode' });
	}
	const uiMode = optionalString(params, 'ui_mode') ?? 'hosted_page';
	if (uiMode === 'hosted_page' || uiMode === 'hosted') requiredString(params, 'success_url');
	const email = optionalString(params, 'customer_email');
	if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
		throw invalid(400, `Invalid email address: ${email}`, { param: 'customer_email' });
	}
	const metadata = stringMap(params, 'metadata');

	const items = params.line_items;
	if (mode !== 'setup' && (items === undefined || (Array.isArray(items) && items.length === 0))) throw missing('line_items');
	if (items !== undefined && !Array.isArray(items)) throw invalid(400, 'Invalid array', { param: 'line_items' });
	let amountTotal = 0;
	let currency = optionalString(params, 'currency') ?? '';
	(items ?? []).forEach((item, i) => {
		const at = `line_items[${i}]`;
		const line = asHash(item, at);
		rejectUnknown(line, LINE_ITEM_PARAMS, at);
		const quantity = integer(requiredString(line, 'quantity', at), `${at}[quantity]`);
		// Only inline prices exist here: no Price objects to refer to.
		if (line.price !== undefined) {
			throw invalid(400, `No such price: '${String(line.price)}'`, { code: 'resource_missing', param: `${at}[price]` });
		}
		const priceData = asHash(line.price_data ?? missingValue(`${at}[price_data]`), `${at}[price_data]`);
		rejectUnknown(priceData, PRICE_DATA_PARAMS, `${at}[price_data]`);
		const itemCurrency = requiredString(priceData, 'currency', `${at}[price_data]`).toLowerCase();
		if (!/^[a-z]{3}$/.test(itemCurrency)) throw invalid(400, `Invalid currency: ${itemCurrency}`, { param: `${at}[price_data][currency]` });
		if (currency && currency !== itemCurrency) {
			throw invalid(400, 'All line items must use the same currency', { param: `${at}[price_data][currency]` });
		}
		currency = itemCurrency;
		const unitAmount = integer(requiredString(priceData, 'unit_amount', `${at}[price_data]`), `${at}[price_data][unit_amount]`);
		const productData = asHash(priceData.product_data ?? missingValue(`${at}[price_data][product_data]`), `${at}[price_data][product_data]`);
		rejectUnknown(productData, PRODUCT_DATA_PARAMS, `${at}[price_data][product_data]`);
		if (!requiredString(productData, 'name', `${at}[price_data][product_data]`).trim()) throw missing(`${at}[price_data][product_data][name]`);
		amountTotal += quantity * unitAmount;
	});
	return { mode, currency, amountTotal, metadata };
}

function rejectUnknown(params: FormObject, known: Set<string>, at: string): void {
	for (const key of Object.keys(params)) {
		if (!known.has(key)) {
			const param = at ? `${at}[${key}]` : key;
			throw invalid(400, `Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
		}
	}
}

function requiredString(params: FormObject, key: string, at = ''): string {
	const value = optionalString(params, key, at);
	if (value === undefined || value === '') throw missing(at ? `${at}[${key}]` : key);
	return value;
}

function optionalString(params: FormObject, key: string, at = ''): string | undefined {
	const value = params[key];
	if (value !== undefined && typeof value !== 'string') {
		throw invalid(400, `Invalid string: ${JSON.stringify(value)}`, { param: at ? `${at}[${key}]` : key });
	}
	return value;
}

function stringMap(params: FormObject, key: string): Record<string, string> {
	const value = params[key];
	if (value === undefined || value === '') return {};
	const hash = asHash(value, key);
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(hash)) {
		if (typeof v !== 'string') throw invalid(400, `Invalid string: ${JSON.stringify(v)}`, { param: `${key}[${k}]` });
		out[k] = v;
	}
	return out;
}

function asHash(value: FormValue, param: string): FormObject {
	if (typeof value === 'string' || Array.isArray(value)) throw invalid(400, 'Invalid hash', { param });
	return value;
}

function integer(value: string, param: string): number {
	if (!/^\d+$/.test(value)) throw invalid(400, `Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param });
	return Number(value);
}

function missingValue(param: string): never {
	throw missing(param);
}

function missing(param: string): StripeHttpError {
	return invalid(400, `Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

function invalid(status: number, message: string, extra: { code?: string; param?: string } = {}): StripeHttpError {
	return new StripeHttpError(status, { type: 'invalid_request_error', message, ...extra });
}

function readBody(req: http.IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY) reject(invalid(413, 'Request too large'));
			else chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

function header(req: http.IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

function maskKey(key: string): string {
	const prefix = /^(sk|rk)_(test|live)_/.exec(key)?.[0] ?? '';
	return `${prefix}${'*'.repeat(Math.max(key.length - prefix.length - 4, 0))}${key.slice(-4)}`;
}

function randomId(length: number): string {
	return randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

/** Tests deliver webhooks to servers they started here, never to the internet. */
function assertLoopback(url: string): void {
	const host = new URL(url).hostname;
	if (!(host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
		throw new Error(`fake Stripe only delivers webhooks to loopback addresses, not ${url}`);
	}
}

/** Test keys the fake Stripe and the server under test share. */
export const STRIPE_TEST_KEYS = { secretKey: 'sk_test_gigstage', webhookSecret: 'whsec_gigstage_test' };

/**
 * A fake Stripe for the test file (started before its tests, closed after them), and the server
 * settings that sell through it and the test checkout.
 */
export function fakeStripeForThisFile(): { readonly stripe: FakeStripe; env(): Record<string, string> } {
	let stripe: FakeStripe | undefined;
	beforeAll(async () => {
		stripe = await startFakeStripe(STRIPE_TEST_KEYS);
	});
	afterAll(() => stripe?.close());
	return {
		get stripe() {
			if (!stripe) throw new Error('the fake Stripe starts in beforeAll: use it inside a test');
			return stripe;
		},
		// The test checkout is off unless asked for; these tests sell through it too.
		env: () => ({ DEV_PAYMENTS: 'true', STRIPE_SECRET_KEY: STRIPE_TEST_KEYS.secretKey, STRIPE_WEBHOOK_SECRET: STRIPE_TEST_KEYS.webhookSecret, STRIPE_API_BASE: stripe!.apiBase })
	};
}
