import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { mayCreateGigs } from '$lib/server/access';
import { formFailure } from '$lib/server/forms';
import { formatPrice } from '$lib/server/gigs/gig-input';
import type { Gig, GigStatus } from '$lib/server/gigs/gigs';
import { avatarColourOf, publicName } from '$lib/server/accounts/accounts';
import { showReport } from '$lib/server/show-report';

const LOGIN = '/login?next=/me';

/** Live first, then what is coming soonest, then the past, most recent first. */
function byRelevance(a: { status: GigStatus | null; startsAt: number }, b: { status: GigStatus | null; startsAt: number }): number {
	const rank = (s: GigStatus | null) => (s === 'live' ? 0 : s === 'scheduled' ? 1 : 2);
	return rank(a.status) - rank(b.status) || (rank(a.status) === 2 ? b.startsAt - a.startsAt : a.startsAt - b.startsAt);
}

const when = (gig: Gig) => ({ startsAt: gig.startsAt, timeZone: gig.timeZone, durationMinutes: gig.durationMinutes });

export const load: PageServerLoad = async ({ locals }) => {
	const user = locals.user;
	if (!user) redirect(303, LOGIN);
	const { gigs, tickets, creators } = services();
	const canCreate = mayCreateGigs(user);

	const [owned, created] = await Promise.all([tickets.forUser(user.id), canCreate ? gigs.byCreator(user.id) : Promise.resolve([])]);

	const myTickets = await Promise.all(
		owned.map(async (ticket) => {
			const gig = await gigs.get(ticket.gigId);
			return {
				id: ticket.id,
				gigId: ticket.gigId,
				title: gig?.title ?? 'A gig that no longer exists',
				status: gig?.status ?? null,
				...(gig ? when(gig) : { startsAt: ticket.issuedAt, timeZone: 'UTC', durationMinutes: 0 }),
				scheduledFor: gig?.scheduledFor ?? null,
				paid: formatPrice(ticket.priceMinor, ticket.currency)
			};
		})
	);
	const myGigs = await Promise.all(
		created.map(async (gig) => ({
			id: gig.id,
			title: gig.title,
			status: gig.status,
			...when(gig),
			price: formatPrice(gig.priceMinor, gig.currency),
			capacity: gig.capacity,
			sold: await tickets.sold(gig.id),
			report: gig.status === 'live' || gig.status === 'ended' ? await showReport(gig) : null
		}))
	);

	return {
		profile: { email: user.email, role: user.role, displayName: user.displayName, wallet: user.wallet, avatarColour: avatarColourOf(user), publicName: publicName(user), handle: canCreate ? await creators.handles.of(user) : null },
		canCreate,
		tickets: myTickets.sort(byRelevance),
		gigs: myGigs.sort(byRelevance)
	};
};

export const actions: Actions = {
	/** The display name and avatar colour everyone has. */
	profile: async ({ request, locals }) => {
		if (!locals.user) redirect(303, LOGIN);
		const form = await request.formData();
		try {
			locals.user = await services().accounts.updateProfile(locals.user.id, Object.fromEntries(form));
		} catch (error) {
			const failure = formFailure(error, form);
			return fail(failure.status, { ...failure.data, profileFailed: true });
		}
		return { profileSaved: true };
	},

	/** Becoming a creator, and later changing the name and wallet: the same profile. */
	becomeCreator: async ({ request, locals }) => {
		if (!locals.user) redirect(303, LOGIN);
		const form = await request.formData();
		const wasViewer = locals.user.role === 'viewer';
		try {
			// The page's load runs after this action: it must see the new role.
			locals.user = await services().accounts.becomeCreator(locals.user.id, Object.fromEntries(form));
		} catch (error) {
			return formFailure(error, form);
		}
		return { saved: true, welcome: wasViewer };
	}
};
