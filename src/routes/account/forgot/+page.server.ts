import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';

export const load: PageServerLoad = ({ locals }) => ({ email: locals.user?.email ?? '' });

export const actions: Actions = {
	/** The same answer whether or not the address has an account (see PasswordReset.request). */
	default: async ({ request, locals }) => {
		const form = await request.formData();
		try {
			await services().account.reset.request(Object.fromEntries(form), locals.clientAddress);
		} catch (error) {
			return formFailure(error, form);
		}
		return { requested: String(form.get('email') ?? '').trim().toLowerCase() };
	}
};
