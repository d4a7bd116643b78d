import type { Handle } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { SESSION_COOKIE } from '$lib/server/session-cookie';

/** Reads the session once per request; pages and actions find the person in `locals.user`. */
export const handle: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.sessionToken = token ?? null;
	event.locals.user = await services().accounts.userForSession(token);
	return resolve(event);
};
