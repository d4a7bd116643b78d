import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { nextQuery, safeNext } from '../login/safe-next';
import { sessionAction } from '../login/session-action';
import { services } from '$lib/server/services';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url));
	return { loginHref: `/login${nextQuery(url)}` };
};

export const actions: Actions = {
	// The confirmation link is queued, never sent inline: a slow mail server cannot hold up sign-up.
	default: sessionAction(
		(accounts, input, origin) => accounts.signUp(input, origin.address),
		(user) => services().account.confirmation.send(user)
	)
};
