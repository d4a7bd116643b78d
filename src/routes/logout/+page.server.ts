import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { clearSessionCookie } from '$lib/server/session-cookie';

// Logging out changes state, so only a POST does it (a link or a prefetch cannot).
export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ cookies, locals }) => {
		if (locals.sessionToken) {
			await services().accounts.endSession(locals.sessionToken);
			// Pages of this session still open (a stream, a chat) lose their connections too, on every node.
			services().connections.closeSession(locals.sessionToken);
		}
		clearSessionCookie(cookies);
		redirect(303, '/');
	}
};
