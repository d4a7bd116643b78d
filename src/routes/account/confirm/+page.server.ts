import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';

export const load: PageServerLoad = ({ locals }) => {
	if (!locals.user) redirect(303, '/login?next=/account/confirm');
	return { email: locals.user.email, confirmed: locals.user.emailConfirmed };
};

export const actions: Actions = {
	/** The banner's "send the link again" (rate limited). */
	resend: async ({ locals }) => {
		if (!locals.user) redirect(303, '/login?next=/account/confirm');
		try {
			await services().account.confirmation.resend(locals.user);
		} catch (error) {
			return formFailure(error);
		}
		return { sent: true };
	}
};
