import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import { linkPreview, tokenPage } from '../../token-page';

/** A reset link: the form for a new password, shown only while the link is good. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	tokenPage(setHeaders);
	return linkPreview(async () => (await services().account.reset.check(params.token), {}));
};

export const actions: Actions = {
	default: async ({ params, request, cookies, url }) => {
		const form = await request.formData();
		let sessionToken: string;
		try {
			({ sessionToken } = await services().account.reset.reset(params.token, Object.fromEntries(form), { agent: request.headers.get('user-agent') }));
		} catch (error) {
			return formFailure(error, form);
		}
		// Every other session was ended; this browser gets a new one.
		setSessionCookie(cookies, sessionToken, url.protocol === 'https:');
		redirect(303, '/account?reset=1');
	}
};
