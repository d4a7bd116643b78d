import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { adminOnly } from '../admin-only';

export const load: PageServerLoad = async ({ locals, url, params, setHeaders }) => {
	adminOnly(locals.user, url);
	setHeaders({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
	const mail = await services().mail.get(params.mail);
	if (!mail || (mail.status !== 'outbox' && mail.status !== 'failed')) error(404, { message: 'That mail is not in the outbox (any more).', code: 'NOT_FOUND' });
	return {
		mail: {
			id: mail.id,
			to: mail.to,
			subject: mail.subject,
			text: mail.text,
			status: mail.status,
			error: mail.error,
			at: mail.lastAttemptAt ?? mail.createdAt,
			headers: Object.entries(mail.headers),
			attachments: mail.attachments.map((a, index) => ({ index, filename: a.filename, contentType: a.contentType, size: Buffer.byteLength(a.content) }))
		}
	};
};
