import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import { nextQuery, safeNext } from '../login/safe-next';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url));
	return { loginHref: `/login${nextQuery(url)}` };
};

export const actions: Actions = {
	default: async ({ request, cookies, url, locals, getClientAddress }) => {
		const form = await request.formData();
		const { accounts } = services();
		let token: string;
		try {
			const user = await accounts.signUp(Object.fromEntries(form), getClientAddress());
			token = await accounts.createSession(user.id);
		} catch (error) {
			return formFailure(error, form);
		}
		if (locals.sessionToken) await accounts.endSession(locals.sessionToken);
		setSessionCookie(cookies, token, url.protocol === 'https:');
		redirect(303, safeNext(url));
	}
};
