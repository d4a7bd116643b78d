import type { Handle, HandleServerError } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { SESSION_COOKIE } from '$lib/server/session-cookie';
import { CLIENT_ADDRESS_HEADER } from '$lib/server/client-address';
import { storeFailure, STORE_FAILURE_CODES, STORE_FAILURE_MESSAGES, type StoreFailure } from '$lib/server/store-errors';
import { storeFailureResponse } from '$lib/server/store-failure-response';

// Requests whose load or action failed because of the store; their answer becomes a 503/507.
const failedOnStore = new WeakMap<App.Locals, StoreFailure>();

/**
 * Reads the session once per request; pages and actions find the person in `locals.user`.
 * While Redis is unreachable every page answers "temporarily unavailable" (503) at once instead
 * of waiting on it, and a request that meets a store failure halfway answers the same way.
 */
export const handle: Handle = async ({ event, resolve }) => {
	const { store, accounts } = services();
	if (!store.available) return storeFailureResponse('unavailable', event);
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.sessionToken = token ?? null;
	// Stamped by the server on arrival (server/app.ts), over anything the client sent.
	event.locals.clientAddress = event.request.headers.get(CLIENT_ADDRESS_HEADER) ?? event.getClientAddress();
	try {
		event.locals.user = await accounts.userForSession(token);
	} catch (error) {
		const failure = storeFailure(error);
		if (!failure) throw error;
		return storeFailureResponse(failure, event);
	}
	const response = await resolve(event);
	const failure = failedOnStore.get(event.locals);
	return failure ? storeFailureResponse(failure, event) : response;
};

/** Store failures are expected during an outage (logged once by StoreStatus); anything else is a bug to log. */
export const handleError: HandleServerError = ({ error, event, status, message }) => {
	const failure = storeFailure(error);
	if (failure) {
		failedOnStore.set(event.locals, failure);
		return { message: STORE_FAILURE_MESSAGES[failure], code: STORE_FAILURE_CODES[failure] };
	}
	if (status !== 404) console.error(`${status} ${event.request.method} ${event.url.pathname}:`, error);
	return { message };
};
