import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { services } from '$lib/server/services';
import { adminOnly } from '../../admin-only';

/**
 * A kept mail's HTML part, for the outbox page's frame. It is Gigstage's own markup with every
 * user-written value escaped, and it is served sandboxed anyway: no script, no requests out,
 * links open in a new tab.
 */
export const GET: RequestHandler = async ({ locals, url, params }) => {
	adminOnly(locals.user, url);
	const mail = await services().mail.get(params.mail);
	if (!mail || (mail.status !== 'outbox' && mail.status !== 'failed')) error(404, { message: 'That mail is not in the outbox (any more).', code: 'NOT_FOUND' });
	return new Response(mail.html.replace('<head>', '<head>\n<base target="_blank">'), {
		headers: {
			'Content-Type': 'text/html; charset=utf-8',
			'Content-Security-Policy': "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
			// Only the outbox page of this site may frame it (every other response says DENY).
			'X-Frame-Options': 'SAMEORIGIN',
			'X-Content-Type-Options': 'nosniff',
			'Referrer-Policy': 'no-referrer',
			'Cache-Control': 'no-store'
		}
	});
};
