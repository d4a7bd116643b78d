import { error, redirect } from '@sveltejs/kit';
import { avatarColourOf, publicName } from '$lib/server/accounts/accounts';
import { gigPageUrl } from '$lib/server/site-url';
import { showReport } from '$lib/server/show-report';
import { formFailure } from '$lib/server/forms';
import { formatPrice } from '$lib/server/gigs/gig-input';
import { isTimeZone } from '$lib/server/gigs/zoned-time';
import { services } from '$lib/server/services';
import { HOLD_MINUTES } from '$lib/server/tickets/tickets';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals, url }) => {
	const { gigs, accounts, tickets, purchases, creators } = services();
	const gig = await gigs.get(params.gig);
	if (!gig) error(404, { message: 'There is no such gig.', code: 'GIG_NOT_FOUND' });
	const user = locals.user;
	const manages = user !== null && (gig.creatorId === user.id || user.role === 'admin');
	const [creator, sold, held, hasTicket, following, report] = await Promise.all([
		accounts.user(gig.creatorId),
		tickets.sold(gig.id),
		tickets.held(gig.id),
		user ? tickets.hasTicket(gig.id, user.id) : Promise.resolve(false),
		user ? creators.follows.follows(user.id, gig.creatorId) : Promise.resolve(false),
		// The show's numbers are its creator's.
		manages ? showReport(gig) : Promise.resolve(null)
	]);
	return {
		gig: {
			id: gig.id,
			title: gig.title,
			description: gig.description,
			category: gig.category,
			startsAt: gig.startsAt,
			timeZone: gig.timeZone,
			durationMinutes: gig.durationMinutes,
			status: gig.status,
			audioOnly: gig.audioOnly,
			coverUrl: gig.coverFile ? `/covers/${gig.coverFile}` : null,
			price: formatPrice(gig.priceMinor, gig.currency),
			free: gig.priceMinor === 0,
			capacity: gig.capacity,
			scheduledFor: gig.scheduledFor
		},
		creatorName: creator ? publicName(creator) : 'a Gigstage creator',
		creator: creator && creator.role !== 'viewer' ? { name: publicName(creator), colour: avatarColourOf(creator), handle: await creators.handles.of(creator) } : null,
		following,
		isCreator: user?.id === gig.creatorId,
		shareUrl: gigPageUrl(gig.id, url),
		report,
		seatsLeft: gig.capacity === null ? null : Math.max(0, gig.capacity - sold - held),
		// Seats in someone's unpaid checkout right now: they come back if it is not paid in time.
		seatsHeld: held,
		holdMinutes: HOLD_MINUTES,
		checkoutCancelled: url.searchParams.get('checkout') === 'cancelled',
		loggedIn: user !== null,
		manages,
		hasTicket,
		methods: purchases.methods(gig),
		paid: url.searchParams.get('paid') === '1',
		ticketRequired: url.searchParams.get('ticket') === 'required'
	};
};

export const actions: Actions = {
	buy: async ({ request, locals, params, url }) => {
		const user = locals.user;
		if (!user) redirect(303, `/login?next=${encodeURIComponent(`/gigs/${params.gig}`)}`);
		const form = await request.formData();
		const { purchases, settings, accounts } = services();
		// First purchase from a browser that told its zone: receipts and reminders use it from now on.
		const zone = String(form.get('timeZone') ?? '');
		if (!user.timeZone && isTimeZone(zone)) await accounts.setTimeZone(user.id, zone);
		// Where the payment provider sends the buyer back: the configured public address if any.
		const origin = settings.publicUrl ? new URL(settings.publicUrl).origin : url.origin;
		let result;
		try {
			result = await purchases.buy(user, params.gig, String(form.get('method') ?? ''), origin);
		} catch (error) {
			return formFailure(error, form);
		}
		if (result.kind === 'redirect') redirect(303, result.url);
		return { bought: true };
	}
};
