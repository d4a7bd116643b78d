import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import { rememberThisBrowser } from '$lib/server/known-browser';
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
			const reset = await services().account.reset.reset(params.token, Object.fromEntries(form), { agent: request.headers.get('user-agent') });
			sessionToken = reset.sessionToken;
			await rememberThisBrowser(cookies, reset.user.id, url.protocol === 'https:');
		} catch (error) {
			return formFailure(error, form);
		}
		// Every other session was ended and every other browser forgotten; this one gets a new session.
		setSessionCookie(cookies, sessionToken, url.protocol === 'https:');
		redirect(303, '/account?reset=1');
	}
};
