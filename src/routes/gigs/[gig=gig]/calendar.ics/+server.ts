import { error } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { gigCalendar } from '$lib/server/gigs/calendar';
import { gigPageUrl, siteOrigin } from '$lib/server/site-url';
import { slugOf } from '$lib/server/creators/handles';
import type { RequestHandler } from './$types';

/** "Add to calendar": the gig as an .ics file, for anyone who can see its page. */
export const GET: RequestHandler = async ({ params, url }) => {
	const gig = await services().gigs.get(params.gig);
	if (!gig) error(404, { message: 'There is no such gig.', code: 'GIG_NOT_FOUND' });
	const body = gigCalendar(gig, gigPageUrl(gig.id, url), new URL(siteOrigin(url)).hostname);
	const filename = `${slugOf(gig.title) || 'gig'}.ics`;
	return new Response(body, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': `attachment; filename="${filename}"`,
			'cache-control': 'no-store'
		}
	});
};
