import { error, fail, redirect } from '@sveltejs/kit';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import type { User } from '$lib/server/accounts/accounts';
import { services } from '$lib/server/services';
import type { Actions, PageServerLoad } from './$types';
import { coverFile, formStrings, gigFormOptions, gigFormValues, loginRedirectPath } from '../../new/gig-form.server';

/** The gig if this person manages it; otherwise the 404 or 403 page. */
async function managedGig(id: string, user: User) {
	try {
		return await services().gigs.manageable(id, user);
	} catch (e) {
		if (e instanceof DomainError) error(e.status, { message: e.code === 'FORBIDDEN' ? 'Only the gig’s creator can edit it.' : e.message, code: e.code });
		throw e;
	}
}

export const load: PageServerLoad = async ({ params, locals, url }) => {
	if (!locals.user) redirect(303, loginRedirectPath(url));
	const gig = await managedGig(params.gig, locals.user);
	return {
		gig: { id: gig.id, title: gig.title, status: gig.status, coverUrl: gig.coverFile ? `/covers/${gig.coverFile}` : null },
		values: gigFormValues(gig),
		options: gigFormOptions(),
		// Why the cover of a just-created gig was not saved: the image ('1') or a full disk.
		coverError: ({ '1': 'image', 'disk-full': 'disk-full' } as const)[url.searchParams.get('coverError') ?? ''] ?? null
	};
};

export const actions: Actions = {
	update: async ({ request, locals, params, url }) => {
		const user = locals.user;
		if (!user) redirect(303, loginRedirectPath(url));
		const form = await request.formData();
		const { gigs, covers } = services();
		try {
			await gigs.update(params.gig, user, formStrings(form));
		} catch (e) {
			return formFailure(e, form);
		}
		const cover = coverFile(form);
		if (cover) {
			try {
				await covers.upload(params.gig, user, cover, locals.clientAddress);
			} catch (e) {
				if (!(e instanceof DomainError)) throw e;
				return formFailure(new DomainError(e.code, `Your other changes were saved, but not the cover: ${e.message}`, e.fields), form);
			}
		}
		return { saved: true };
	},

	cancel: async ({ request, locals, params, url }) => {
		const user = locals.user;
		if (!user) redirect(303, loginRedirectPath(url));
		const form = await request.formData();
		// Without JavaScript the first press only asks for the confirmation.
		if (form.get('confirm') !== 'yes') return { confirmCancel: true };
		try {
			await services().gigs.cancel(params.gig, user);
			// Nobody stays connected to a cancelled gig's stream or chat.
			services().connections.closeGig(params.gig);
			// Ticket holders get a mail (queued for the timed worker: cancelling never waits for mail).
			await services().notifications.gigCancelled(params.gig);
		} catch (e) {
			const failure = formFailure(e, form);
			return fail(failure.status, { ...failure.data, cancelFailed: true });
		}
		redirect(303, `/gigs/${params.gig}`);
	}
};
