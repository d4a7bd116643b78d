import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { linkPreview, tokenPage } from '../../token-page';

/** A confirmation link: shows what it confirms and asks for one press (mail scanners follow links, people press buttons). */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	tokenPage(setHeaders);
	return linkPreview(() => services().account.confirmation.preview(params.token));
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
