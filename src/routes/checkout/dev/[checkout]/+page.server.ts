import { error, redirect } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/accounts';
import { formFailure } from '$lib/server/forms';
import { formatPrice } from '$lib/server/gigs/gig-input';
import { DEV_CARDS } from '$lib/server/tickets/purchases';
import { HOLD_MINUTES } from '$lib/server/tickets/tickets';
import { services } from '$lib/server/services';
import type { Actions, PageServerLoad } from './$types';

const loginPath = (url: URL) => `/login?next=${encodeURIComponent(url.pathname)}`;

/** This person's open test checkout, or the 404 page (also when the test checkout is off). */
async function ownCheckout(id: string, user: User) {
	const { tickets, settings } = services();
	if (!settings.devPayments) error(404, { message: 'There is no such checkout.', code: 'CHECKOUT_NOT_FOUND' });
	const checkout = await tickets.checkout(id);
	if (!checkout || checkout.userId !== user.id || checkout.provider !== 'dev') error(404, { message: 'That checkout does not exist or has expired.', code: 'CHECKOUT_NOT_FOUND' });
	return checkout;
}

export const load: PageServerLoad = async ({ params, locals, url }) => {
	if (!services().settings.devPayments) error(404, { message: 'There is no such checkout.', code: 'CHECKOUT_NOT_FOUND' });
	if (!locals.user) redirect(303, loginPath(url));
	const checkout = await ownCheckout(params.checkout, locals.user);
	if (checkout.status === 'paid') redirect(303, `/gigs/${checkout.gigId}?paid=1`);
	const gig = await services().gigs.get(checkout.gigId);
	return {
		// Cancelled, taken over by a newer checkout, or past its hold: nothing left to pay here.
		open: await services().tickets.holdsSeat(checkout),
		holdMinutes: HOLD_MINUTES,
		checkout: { id: checkout.id, status: checkout.status, expiresAt: checkout.expiresAt },
		gig: { id: checkout.gigId, title: gig?.title ?? 'A gig' },
		price: formatPrice(checkout.priceMinor, checkout.currency),
		testCard: DEV_CARDS.success.replace(/(\d{4})(?=\d)/g, '$1 ')
	};
};

export const actions: Actions = {
	pay: async ({ params, locals, url, request }) => {
		const user = locals.user;
		if (!user) redirect(303, loginPath(url));
		const form = await request.formData();
		let gigId: string;
		try {
			gigId = (await services().purchases.payDev(params.checkout, user, String(form.get('cardNumber') ?? ''))).gigId;
		} catch (e) {
			return formFailure(e, form);
		}
		redirect(303, `/gigs/${gigId}?paid=1`);
	},

	/** The buyer goes back without paying: the seat is free again at once. */
	cancel: async ({ params, locals, url }) => {
		const user = locals.user;
		if (!user) redirect(303, loginPath(url));
		let gigId: string;
		try {
			gigId = (await services().purchases.cancel(params.checkout, user)).gigId;
		} catch (e) {
			return formFailure(e);
		}
		redirect(303, `/gigs/${gigId}?checkout=cancelled`);
	}
};
