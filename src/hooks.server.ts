import type { Handle } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { SESSION_COOKIE } from '$lib/server/session-cookie';
import { CLIENT_ADDRESS_HEADER } from '$lib/server/client-address';

/** Reads the session once per request; pages and actions find the person in `locals.user`. */
export const handle: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.sessionToken = token ?? null;
	// Stamped by the server on arrival (server/app.ts), over anything the client sent.
	event.locals.clientAddress = event.request.headers.get(CLIENT_ADDRESS_HEADER) ?? event.getClientAddress();
	event.locals.user = await services().accounts.userForSession(token);
	return resolve(event);
};
