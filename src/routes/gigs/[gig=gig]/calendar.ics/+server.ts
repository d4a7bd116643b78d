import { error } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { calendarFileName, gigCalendar } from '$lib/server/gigs/calendar';
import { gigPageUrl } from '$lib/server/site-url';
import type { RequestHandler } from './$types';

/** "Add to calendar": the gig as an .ics file, for anyone who can see its page (the receipt mails the same event). */
export const GET: RequestHandler = async ({ params, url }) => {
	const gig = await services().gigs.get(params.gig);
	if (!gig) error(404, { message: 'There is no such gig.', code: 'GIG_NOT_FOUND' });
	const gigUrl = gigPageUrl(gig.id, url);
	const body = gigCalendar(gig, { watchUrl: `${gigUrl}/watch`, gigUrl });
	return new Response(body, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': `attachment; filename="${calendarFileName(gig)}"`,
			'cache-control': 'no-store'
		}
	});
};
