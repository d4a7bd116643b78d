import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { DomainError } from '$lib/server/errors';
import { CATEGORIES } from '$lib/server/gigs/gig-input';
import type { Gig } from '$lib/server/gigs/gigs';
import { byMoment, gigCards } from '$lib/server/gig-cards';

const PAGE_SIZE = 12;

// Query parameters come from anyone's address bar: each is checked on its own, and one that does
// not fit is dropped (and mentioned) rather than failing the whole page.
const params = {
	category: z.enum(CATEGORIES),
	q: z
		.string()
		.trim()
		.transform((q) => q.slice(0, 100)),
	cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/)
};

function param<T>(schema: z.ZodType<T>, raw: string | null, invalid: () => void): T | undefined {
	if (raw === null || raw === '') return undefined;
	const parsed = schema.safeParse(raw);
	if (parsed.success) return parsed.data;
	invalid();
	return undefined;
}

const FOLLOWED_SHOWN = 8;
const FOLLOWED_CREATORS_READ = 50;

const filtered = (filters: { category?: string; q?: string }) => Boolean(filters.category || filters.q);

/** Live and upcoming gigs of the creators a person follows: live first, then the soonest. */
async function followedGigs(userId: string): Promise<Gig[]> {
	const { gigs, creators } = services();
	const followed = (await creators.follows.following(userId)).slice(0, FOLLOWED_CREATORS_READ);
	const theirs = (await Promise.all(followed.map((id) => gigs.byCreator(id)))).flat();
	const { live, upcoming } = byMoment(theirs);
	return [...live, ...upcoming].slice(0, FOLLOWED_SHOWN);
}

export const load: PageServerLoad = async ({ url, locals }) => {
	const { gigs } = services();
	const notices: string[] = [];
	let pageError: string | null = null;
	const category = param(params.category, url.searchParams.get('category'), () => notices.push('There is no such category, so all categories are shown.'));
	const q = param(params.q, url.searchParams.get('q'), () => {});
	const cursor = param(params.cursor, url.searchParams.get('cursor'), () => (pageError = 'That page link is not valid.'));
	const filters = { ...(category ? { category } : {}), ...(q ? { q } : {}) };

	let upcoming: { gigs: Gig[]; nextCursor: string | null } = { gigs: [], nextCursor: null };
	if (!pageError) {
		try {
			upcoming = await gigs.upcoming({ ...filters, cursor: cursor ?? null, limit: PAGE_SIZE });
		} catch (error) {
			if (!(error instanceof DomainError)) throw error;
			pageError = error.message;
		}
	}
	// "Live now" belongs to the first page; later pages continue the upcoming list only.
	const paged = Boolean(cursor) && !pageError;
	const live = paged ? [] : await gigs.live(filters);

	// What the creators this person follows have on now and next comes first.
	const followed = paged || filtered(filters) || !locals.user ? [] : await followedGigs(locals.user.id);

	const more = new URLSearchParams();
	if (filters.category) more.set('category', filters.category);
	if (filters.q) more.set('q', filters.q);
	if (upcoming.nextCursor) more.set('cursor', upcoming.nextCursor);

	return {
		categories: [...CATEGORIES],
		filters: { category: filters.category ?? null, q: filters.q ?? '' },
		paged,
		followed: await gigCards(followed),
		live: await gigCards(live),
		upcoming: await gigCards(upcoming.gigs),
		moreHref: upcoming.nextCursor ? `/?${more}` : null,
		notices,
		pageError
	};
};
