import { redirect, type Cookies } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/accounts';
import { services, type Services } from '$lib/server/services';
import { formFailure } from '$lib/server/forms';
import { setSessionCookie } from '$lib/server/session-cookie';
import { safeNext } from './safe-next';

type ActionEvent = { request: Request; cookies: Cookies; url: URL; locals: App.Locals; getClientAddress(): string };

/**
 * The form action of the log-in and sign-up pages: find or create the person, start a session in
 * place of any earlier one, and go on to `?next=`. `after` runs once the person is known (the
 * sign-up mails its confirmation link there).
 */
export function sessionAction(
	authenticate: (accounts: Services['accounts'], input: unknown, clientKey: string) => Promise<User>,
	after?: (user: User) => Promise<void>
) {
	return async ({ request, cookies, url, locals, getClientAddress }: ActionEvent) => {
		const form = await request.formData();
		const { accounts } = services();
		let token: string;
		try {
			const user = await authenticate(accounts, Object.fromEntries(form), getClientAddress());
			token = await accounts.createSession(user.id, { agent: request.headers.get('user-agent') });
			await after?.(user);
		} catch (error) {
			return formFailure(error, form);
		}
		if (locals.sessionToken) await accounts.endSession(locals.sessionToken);
		setSessionCookie(cookies, token, url.protocol === 'https:');
		redirect(303, safeNext(url));
	};
}
