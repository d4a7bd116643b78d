import { error, redirect } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { mayWatch } from '$lib/server/access';
import { avatarColourOf, publicName } from '$lib/server/accounts/accounts';
import { byMoment, gigCards } from '$lib/server/gig-cards';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	const { gigs, tickets, accounts, creators } = services();
	const user = locals.user;
	if (!user) redirect(303, `/login?next=${encodeURIComponent(`/gigs/${params.gig}/watch`)}`);
	const gig = await gigs.get(params.gig);
	if (!gig) error(404, { message: 'There is no such gig.', code: 'GIG_NOT_FOUND' });
	if (gig.status === 'cancelled') redirect(303, `/gigs/${gig.id}`);
	if (!(await mayWatch(tickets, gig, user))) redirect(303, `/gigs/${gig.id}?ticket=required`);
	const creator = await accounts.user(gig.creatorId);
	// After the show: what the creator has on next, so the page is not a dead end.
	const { live, upcoming } = byMoment((await gigs.byCreator(gig.creatorId)).filter((g) => g.id !== gig.id));
	const next = live[0] ?? upcoming[0] ?? null;
	const [nextCard] = next ? await gigCards([next]) : [];
	return {
		gig: { id: gig.id, title: gig.title, status: gig.status, startsAt: gig.startsAt, timeZone: gig.timeZone, scheduledFor: gig.scheduledFor, coverUrl: gig.coverFile ? `/covers/${gig.coverFile}` : null },
		creatorWallet: creator?.wallet ?? null,
		creator: creator ? { id: creator.id, name: publicName(creator), colour: avatarColourOf(creator), handle: await creators.handles.of(creator) } : null,
		following: creator ? await creators.follows.follows(user.id, creator.id) : false,
		isCreator: user.id === gig.creatorId,
		next: nextCard ? { card: nextCard, hasTicket: await tickets.hasTicket(nextCard.id, user.id) } : null
	};
};
