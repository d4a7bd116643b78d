import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { nextQuery, safeNext } from './safe-next';
import { sessionAction } from './session-action';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url));
	return { signupHref: `/signup${nextQuery(url)}` };
};

export const actions: Actions = {
	default: sessionAction((accounts, input, origin) => accounts.logIn(input, origin))
};
