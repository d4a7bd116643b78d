import type { Cookies } from '@sveltejs/kit';
import { SESSION_DAYS } from './accounts/accounts.js';
import { DEVICE_DAYS } from './accounts/login-guard.js';

export const SESSION_COOKIE = 'gs_session';
/** Marks a browser its accounts have logged in from (see LoginGuard); outlives log-out on purpose. */
export const DEVICE_COOKIE = 'gs_device';

/** HttpOnly (no script reads it), SameSite=Lax (no cross-site form posts carry it). */
export function setSessionCookie(cookies: Cookies, token: string, secure: boolean): void {
	cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_DAYS * 24 * 3600 });
}

export function setDeviceCookie(cookies: Cookies, token: string, secure: boolean): void {
	cookies.set(DEVICE_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: DEVICE_DAYS * 24 * 3600 });
}

export function clearSessionCookie(cookies: Cookies): void {
	cookies.delete(SESSION_COOKIE, { path: '/' });
}

/**
 * The session token in a raw Cookie header (Socket.IO handshakes have no SvelteKit cookies). The
 * header is whatever the client sent: a value that is not valid percent-encoding is no session.
 */
export function sessionTokenFromHeader(header: string | undefined): string | undefined {
	for (const part of header?.split(';') ?? []) {
		const [name, ...value] = part.trim().split('=');
		if (name !== SESSION_COOKIE) continue;
		try {
			return decodeURIComponent(value.join('='));
		} catch {
			return undefined;
		}
	}
	return undefined;
}
