import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import { tokenPage } from '../../token-page';

/** A confirmation link: shows what it confirms and asks for one press (mail scanners follow links, people press buttons). */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	tokenPage(setHeaders);
	try {
		return { email: (await services().account.confirmation.preview(params.token)).email, problem: null };
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		return { email: null, problem: { code: error.code, message: error.message } };
	}
};

export const actions: Actions = {
	default: async ({ params, locals }) => {
		try {
			const user = await services().account.confirmation.confirm(params.token, locals.user);
			if (locals.user) locals.user = user;
			return { confirmed: user.email };
		} catch (error) {
			return formFailure(error);
		}
	}
};
