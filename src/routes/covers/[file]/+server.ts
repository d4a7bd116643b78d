import { error } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import type { RequestHandler } from './$types';

/** Gig cover images. A new cover gets a new file name, so a day of caching is safe. */
export const GET: RequestHandler = async ({ params }) => {
	const cover = await services().covers.read(params.file);
	if (!cover) error(404, { message: 'There is no such image.' });
	return new Response(new Uint8Array(cover.bytes), {
		headers: {
			'content-type': cover.type,
			'content-length': String(cover.bytes.length),
			'cache-control': 'public, max-age=86400',
			'x-content-type-options': 'nosniff'
		}
	});
};
