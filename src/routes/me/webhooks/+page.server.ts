import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { services } from '$lib/server/services';
import { mayCreateGigs } from '$lib/server/access';
import { formFailure } from '$lib/server/forms';
import type { User } from '$lib/server/accounts/accounts';

const LOGIN = '/login?next=/me/webhooks';

function signedIn(locals: RequestEvent['locals']): User {
	if (!locals.user) redirect(303, LOGIN);
	return locals.user;
}

export const load: PageServerLoad = async ({ locals, setHeaders }) => {
	const user = signedIn(locals);
	if (!mayCreateGigs(user)) return { canCreate: false as const };
	// The page carries the signing secret: never keep it in a shared cache.
	setHeaders({ 'cache-control': 'private, no-store' });
	const { webhooks } = services();
	const [endpoint, deliveries] = await Promise.all([webhooks.endpoint(user), webhooks.recentDeliveries(user)]);
	return {
		canCreate: true as const,
		endpoint: { url: endpoint.url, secret: endpoint.secret },
		deliveries: deliveries.map((d) => ({
			id: d.id,
			eventType: d.eventType,
			status: d.status,
			attempts: d.attempts,
			createdAt: d.createdAt,
			lastAttemptAt: d.lastAttemptAt,
			nextAttemptAt: d.nextAttemptAt,
			responseStatus: d.responseStatus,
			error: d.error
		}))
	};
};

export const actions: Actions = {
	save: async ({ request, locals }) => {
		const user = signedIn(locals);
		const form = await request.formData();
		try {
			const { secretCreated } = await services().webhooks.setUrl(user, { url: form.get('url') ?? '' });
			return { saved: true, secretCreated };
		} catch (error) {
			return formFailure(error, form);
		}
	},

	remove: async ({ locals }) => {
		const user = signedIn(locals);
		try {
			await services().webhooks.removeUrl(user);
		} catch (error) {
			return formFailure(error);
		}
		return { removed: true };
	},

	rotate: async ({ request, locals }) => {
		const user = signedIn(locals);
		const form = await request.formData();
		// Without JavaScript the first press only asks for the confirmation.
		if (form.get('confirm') !== 'yes') return { confirmRotate: true };
		try {
			await services().webhooks.rotateSecret(user);
		} catch (error) {
			return formFailure(error);
		}
		return { rotated: true };
	},

	ping: async ({ locals }) => {
		const user = signedIn(locals);
		try {
			await services().webhooks.ping(user);
		} catch (error) {
			return formFailure(error);
		}
		return { pinged: true };
	}
};
