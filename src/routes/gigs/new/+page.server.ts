import { redirect } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import { services } from '$lib/server/services';
import { mayCreateGigs } from '$lib/server/access';
import type { Actions, PageServerLoad } from './$types';
import { coverFile, formStrings, gigFormOptions, loginRedirectPath } from './gig-form.server';


export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) redirect(303, loginRedirectPath(url));
	return { canCreate: mayCreateGigs(locals.user), options: gigFormOptions() };
};

export const actions: Actions = {
	default: async ({ request, locals, url }) => {
		const user = locals.user;
		if (!user) redirect(303, loginRedirectPath(url));
		const form = await request.formData();
		const { gigs, covers } = services();
		let gigId: string;
		try {
			gigId = (await gigs.create(user, formStrings(form))).id;
		} catch (error) {
			return formFailure(error, form);
		}
		const cover = coverFile(form);
		if (cover) {
			try {
				await covers.upload(gigId, user, cover, locals.clientAddress);
			} catch (error) {
				if (!(error instanceof DomainError)) throw error;
				// The gig exists now: keep it, and ask for another image on its edit page.
				redirect(303, `/gigs/${gigId}/edit?coverError=${error.code === 'STORAGE_FULL' ? 'disk-full' : '1'}`);
			}
		}
		redirect(303, `/gigs/${gigId}/credentials?new=1`);
	}
};

