import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';

/** What the link would stop, asked before it stops it (mail scanners open links; people press buttons). */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	setHeaders({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
	try {
		const { topic } = await services().notifications.unsubscribe.read(params.token);
		return { topic, problem: null };
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		return { topic: null, problem: error.message };
	}
};

export const actions: Actions = {
	default: async ({ params }) => {
		const { notifications } = services();
		try {
			const { userId, topic } = await notifications.unsubscribe.read(params.token);
			await notifications.preferences.set(userId, { [topic]: false });
			return { stopped: topic };
		} catch (error) {
			return formFailure(error);
		}
	}
};
