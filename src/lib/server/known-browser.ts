import type { Cookies } from '@sveltejs/kit';
import { services } from './services.js';
import { DEVICE_COOKIE, setDeviceCookie } from './session-cookie.js';

/**
 * Marks this browser as one the account logs in from, as a log-in does: after a new password
 * (which forgets every other browser, see Accounts.setPassword) the one that chose it stays known.
 */
export async function rememberThisBrowser(cookies: Cookies, userId: string, secure: boolean): Promise<void> {
	try {
		setDeviceCookie(cookies, await services().accounts.rememberDevice(userId, cookies.get(DEVICE_COOKIE) ?? null), secure);
	} catch {
		// Best effort: the password is changed either way; this browser shares the account's log-in budget until its next log-in.
	}
}
