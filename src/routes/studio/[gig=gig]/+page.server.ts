import { error, redirect } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import { services } from '$lib/server/services';
import { gigPageUrl } from '$lib/server/site-url';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals, url }) => {
	const user = locals.user;
	if (!user) redirect(303, `/login?next=${encodeURIComponent(`/studio/${params.gig}`)}`);
	let gig;
	try {
		gig = await services().gigs.manageable(params.gig, user);
	} catch (e) {
		if (!(e instanceof DomainError)) throw e;
		error(e.status, { message: e.code === 'FORBIDDEN' ? 'Only the gig’s creator can broadcast from its studio.' : e.message, code: e.code });
	}
	if (gig.status === 'cancelled') redirect(303, `/gigs/${gig.id}`);
	return {
		gig: { id: gig.id, title: gig.title, status: gig.status, startsAt: gig.startsAt, timeZone: gig.timeZone, startedAt: gig.startedAt, endedAt: gig.endedAt },
		shareUrl: gigPageUrl(gig.id, url)
	};
};
