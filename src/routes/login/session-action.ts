import { redirect, type Cookies } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/accounts';
import { services, type Services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { DEVICE_COOKIE, setDeviceCookie, setSessionCookie } from '$lib/server/session-cookie';
import type { LoginOrigin } from '$lib/server/accounts/login-guard';
import { safeNext } from './safe-next';

type ActionEvent = { request: Request; cookies: Cookies; url: URL; locals: App.Locals };

/**
 * The form action of the log-in and sign-up pages: find or create the person, start a session in
 * place of any earlier one, and go on to `?next=`. `after` runs once the person is known (the
 * sign-up mails its confirmation link there).
 */
export function sessionAction(
	authenticate: (accounts: Services['accounts'], input: unknown, origin: LoginOrigin) => Promise<User>,
	after?: (user: User) => Promise<void>
) {
	return async ({ request, cookies, url, locals }: ActionEvent) => {
		const form = await request.formData();
		const { accounts } = services();
		const origin: LoginOrigin = { address: locals.clientAddress, deviceToken: cookies.get(DEVICE_COOKIE) ?? null };
		let token: string;
		let device: string;
		try {
			const user = await authenticate(accounts, Object.fromEntries(form), origin);
			token = await accounts.createSession(user.id, { agent: request.headers.get('user-agent') });
			device = await accounts.rememberDevice(user.id, origin.deviceToken);
			await after?.(user);
		} catch (error) {
			return formFailure(error, form);
		}
		if (locals.sessionToken) await accounts.endSession(locals.sessionToken);
		setSessionCookie(cookies, token, url.protocol === 'https:');
		setDeviceCookie(cookies, device, url.protocol === 'https:');
		redirect(303, safeNext(url));
	};
}
