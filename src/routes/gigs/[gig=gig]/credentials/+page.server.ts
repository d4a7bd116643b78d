import { error, redirect } from '@sveltejs/kit';
import type { User } from '$lib/server/accounts/accounts';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import { services } from '$lib/server/services';
import { ingestSite } from '$lib/server/ingest/ingest-status';
import { incomingVideo, ingestWarnings } from '$lib/server/ingest/ingest-advice';
import { reencodeBecause } from '$lib/ingest/ingest-words';
import type { Actions, PageServerLoad } from './$types';

const loginPath = (url: URL) => `/login?next=${encodeURIComponent(url.pathname + url.search)}`;

async function streamKey(gigId: string, user: User): Promise<string> {
	try {
		return await services().gigs.streamKey(gigId, user);
	} catch (e) {
		if (e instanceof DomainError) error(e.status, { message: e.code === 'FORBIDDEN' ? 'Only the gig’s creator can see its stream credentials.' : e.message, code: e.code });
		throw e;
	}
}

export const load: PageServerLoad = async ({ params, locals, url, setHeaders, depends }) => {
	if (!locals.user) redirect(303, loginPath(url));
	// The page re-reads the encoder's status every few seconds while it is open.
	depends('gigstage:ingest');
	const key = await streamKey(params.gig, locals.user);
	const { gigs, settings } = services();
	const gig = (await gigs.get(params.gig))!;
	// The key is a password for the stream: never keep it in a shared cache.
	setHeaders({ 'cache-control': 'private, no-store' });
	const host = settings.publicUrl ? new URL(settings.publicUrl).hostname : url.hostname;
	const ingest = ingestSite();
	const running = ingest && ingest.port !== null ? ingest.statuses : null;
	const [status, pause, refusal] = running ? await Promise.all([running.get(gig.id), running.pause(gig.id), running.refusal(gig.id)]) : [null, null, null];
	return {
		gig: { id: gig.id, title: gig.title, status: gig.status },
		rtmpUrl: `rtmp://${host}:${ingest?.port ?? settings.rtmpPort}/live`,
		ingest: {
			disabledReason: ingest ? ingest.disabledReason : 'RTMP ingest is not running on this server.',
			status,
			video: status && {
				incoming: incomingVideo(status),
				because: status.videoReason && status.video ? reencodeBecause(status.videoReason, status.video) : null
			},
			warnings: status ? ingestWarnings(status) : [],
			pause,
			refusal
		},
		grace: ingest?.grace ?? { droppedSeconds: 60, stoppedSeconds: 15 },
		streamKey: key,
		isNew: url.searchParams.get('new') === '1'
	};
};

export const actions: Actions = {
	rotate: async ({ request, params, locals, url }) => {
		const user = locals.user;
		if (!user) redirect(303, loginPath(url));
		const form = await request.formData();
		// Without JavaScript the first press only asks for the confirmation.
		if (form.get('confirm') !== 'yes') return { confirmRotate: true };
		try {
			await services().gigs.rotateStreamKey(params.gig, user);
		} catch (e) {
			return formFailure(e, form);
		}
		return { rotated: true };
	}
};
