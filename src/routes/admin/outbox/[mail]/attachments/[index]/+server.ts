import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { services } from '$lib/server/services';
import { adminOnly } from '../../../admin-only';

/** A kept mail's attachment (the .ics of a receipt), downloaded as the recipient would get it. */
export const GET: RequestHandler = async ({ locals, url, params }) => {
	adminOnly(locals.user, url);
	const mail = await services().mail.get(params.mail);
	const attachment = mail && (mail.status === 'outbox' || mail.status === 'failed') ? mail.attachments[Number(params.index)] : undefined;
	if (!attachment || !/^\d{1,2}$/.test(params.index)) error(404, { message: 'No such attachment.', code: 'NOT_FOUND' });
	const filename = attachment.filename.replace(/[^\w.-]/g, '_');
	return new Response(attachment.content, {
		headers: {
			'Content-Type': attachment.contentType,
			'Content-Disposition': `attachment; filename="${filename}"`,
			'X-Content-Type-Options': 'nosniff',
			'Cache-Control': 'no-store'
		}
	});
};
