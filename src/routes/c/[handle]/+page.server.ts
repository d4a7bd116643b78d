import { error, fail, redirect } from '@sveltejs/kit';
import { services } from '$lib/server/services';
import { avatarColourOf, publicName } from '$lib/server/accounts/accounts';
import { byMoment, gigCards } from '$lib/server/gig-cards';
import { formFailure } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

const PAST_SHOWN = 24;

/** A creator's public page: whoever may be found here has put on a gig, or may. */
async function creatorBehind(handle: string) {
	const { accounts, creators } = services();
	const id = await creators.handles.find(handle);
	const user = id ? await accounts.user(id) : null;
	if (!user || user.role === 'viewer') error(404, { message: 'There is no creator at this address.', code: 'CREATOR_NOT_FOUND' });
	return user;
}

export const load: PageServerLoad = async ({ params, locals }) => {
	const { gigs, creators } = services();
	const creator = await creatorBehind(params.handle);
	const handle = await creators.handles.of(creator);
	// An old address (a user id) leads to the page's own.
	if (handle !== params.handle) redirect(301, `/c/${handle}`);
	const viewer = locals.user;
	const [all, followers, following] = await Promise.all([
		gigs.byCreator(creator.id),
		creators.follows.followerCount(creator.id),
		viewer ? creators.follows.follows(viewer.id, creator.id) : Promise.resolve(false)
	]);
	const { live, upcoming, past } = byMoment(all);
	return {
		creator: { name: publicName(creator), colour: avatarColourOf(creator), handle, since: creator.createdAt },
		live: await gigCards(live),
		upcoming: await gigCards(upcoming),
		past: await gigCards(past.slice(0, PAST_SHOWN)),
		followers,
		following,
		loggedIn: viewer !== null,
		self: viewer?.id === creator.id
	};
};

/** Back where the button was pressed (a gig page, this page); only those paths. */
function backTo(form: FormData, handle: string): string {
	const next = String(form.get('next') ?? '');
	return /^\/(?:gigs|c)\/[a-z0-9-]{1,63}(?:\/watch)?$/.test(next) ? next : `/c/${handle}`;
}

export const actions: Actions = {
	follow: async ({ params, locals, request }) => {
		const form = await request.formData();
		if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(`/c/${params.handle}`)}`);
		const creator = await creatorBehind(params.handle);
		try {
			await services().creators.follows.follow(locals.user.id, creator.id);
		} catch (e) {
			const failure = formFailure(e, form);
			return fail(failure.status, failure.data);
		}
		redirect(303, backTo(form, params.handle));
	},
	unfollow: async ({ params, locals, request }) => {
		const form = await request.formData();
		if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(`/c/${params.handle}`)}`);
		const creator = await creatorBehind(params.handle);
		await services().creators.follows.unfollow(locals.user.id, creator.id);
		redirect(303, backTo(form, params.handle));
	}
};
