import { error, redirect } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/accounts';
import { isAdmin } from '$lib/server/access';

/** The outbox holds everyone's mail (links included): admins only; anyone else finds nothing here. */
export function adminOnly(user: User | null, url: URL): User {
	if (!user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	if (!isAdmin(user)) error(404, { message: 'Not found', code: 'NOT_FOUND' });
	return user;
}
