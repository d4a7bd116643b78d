import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { linkPreview, tokenPage } from '../../token-page';

/** A new address's confirmation link: shows the address, switches on one press. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	tokenPage(setHeaders);
	return linkPreview(() => services().account.settings.previewEmailChange(params.token));
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
