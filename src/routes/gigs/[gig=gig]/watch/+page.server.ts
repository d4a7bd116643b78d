import { error, redirect } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { mayWatch } from '$lib/server/access';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	const { gigs, tickets, accounts } = services();
	const user = locals.user;
	if (!user) redirect(303, `/login?next=${encodeURIComponent(`/gigs/${params.gig}/watch`)}`);
	const gig = await gigs.get(params.gig);
	if (!gig) error(404, { message: 'There is no such gig.', code: 'GIG_NOT_FOUND' });
	if (gig.status === 'cancelled') redirect(303, `/gigs/${gig.id}`);
	if (!(await mayWatch(tickets, gig, user))) redirect(303, `/gigs/${gig.id}?ticket=required`);
	const creator = await accounts.user(gig.creatorId);
	return { gig: { id: gig.id, title: gig.title, status: gig.status, coverUrl: gig.coverFile ? `/covers/${gig.coverFile}` : null }, creatorWallet: creator?.wallet ?? null };
};
