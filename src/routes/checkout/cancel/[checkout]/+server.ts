import { redirect } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import { services } from '$lib/server/services';
import type { RequestHandler } from './$types';

/**
 * Where Stripe sends a buyer who went back without paying: the checkout ends and its seat is free
 * again at once. A GET because Stripe redirects here; it only ever ends the visitor's own
 * checkout, named by its unguessable id.
 */
export const GET: RequestHandler = async ({ params, locals }) => {
	const user = locals.user;
	if (!user) redirect(303, `/login?next=${encodeURIComponent(`/checkout/cancel/${params.checkout}`)}`);
	let gigId: string | null = null;
	try {
		gigId = (await services().purchases.cancel(params.checkout, user)).gigId;
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
	}
	redirect(303, gigId ? `/gigs/${gigId}?checkout=cancelled` : '/');
};
