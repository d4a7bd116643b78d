import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { nextQuery, safeNext } from '../login/safe-next';
import { sessionAction } from '../login/session-action';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url));
	return { loginHref: `/login${nextQuery(url)}` };
};

export const actions: Actions = {
	default: sessionAction((accounts, input, origin) => accounts.signUp(input, origin.address))
};
