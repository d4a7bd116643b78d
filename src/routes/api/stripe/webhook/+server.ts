import { json } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import { StripeSignatureError } from '$lib/server/tickets/purchases';
import { services } from '$lib/server/services';
import type { RequestHandler } from './$types';

/**
 * Stripe's payment notifications. The body must stay byte-for-byte as sent for the signature
 * check. Stripe posts application/json, which SvelteKit's form-origin (CSRF) check lets through.
 */
export const POST: RequestHandler = async ({ request }) => {
	const body = await request.text();
	try {
		await services().purchases.stripeWebhook(body, request.headers.get('stripe-signature') ?? undefined);
	} catch (e) {
		if (e instanceof StripeSignatureError) return json({ error: { code: 'BAD_SIGNATURE', message: e.message } }, { status: 400 });
		if (e instanceof DomainError && e.code === 'PAYMENT_UNAVAILABLE') return json({ error: { code: e.code, message: e.message } }, { status: 404 });
		throw e;
	}
	return json({ received: true });
};
