import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import { tokenPage } from '../../token-page';

/** A new address's confirmation link: shows the address, switches on one press. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	tokenPage(setHeaders);
	try {
		return { email: (await services().account.settings.previewEmailChange(params.token)).email, problem: null };
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		return { email: null, problem: { code: error.code, message: error.message } };
	}
};

export const actions: Actions = {
	default: async ({ params, locals }) => {
		try {
			const email = await services().account.settings.confirmEmailChange(params.token, locals.user);
			if (locals.user) locals.user = { ...locals.user, email, emailConfirmed: true };
			return { changed: email };
		} catch (error) {
			return formFailure(error);
		}
	}
};
