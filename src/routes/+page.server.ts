import { z } from 'zod';
import type { PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { DomainError } from '$lib/server/errors';
import { publicName } from '$lib/server/accounts/accounts';
import { CATEGORIES, formatPrice } from '$lib/server/gigs/gig-input';
import type { Gig } from '$lib/server/gigs/gigs';
import type { GigCardData } from '$lib/components/GigCard.svelte';

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

export const load: PageServerLoad = async ({ url }) => {
	const { gigs, accounts } = services();
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

	const creatorIds = [...new Set([...live, ...upcoming.gigs].map((g) => g.creatorId))];
	const creators = await Promise.all(creatorIds.map((id) => accounts.user(id)));
	const names = new Map(creators.flatMap((c) => (c ? [[c.id, publicName(c)] as const] : [])));
	const card = (gig: Gig): GigCardData => ({
		id: gig.id,
		title: gig.title,
		category: gig.category,
		startsAt: gig.startsAt,
		timeZone: gig.timeZone,
		price: formatPrice(gig.priceMinor, gig.currency),
		audioOnly: gig.audioOnly,
		coverFile: gig.coverFile,
		creatorName: names.get(gig.creatorId) ?? 'Unknown artist',
		status: gig.status
	});

	const more = new URLSearchParams();
	if (filters.category) more.set('category', filters.category);
	if (filters.q) more.set('q', filters.q);
	if (upcoming.nextCursor) more.set('cursor', upcoming.nextCursor);

	return {
		categories: [...CATEGORIES],
		filters: { category: filters.category ?? null, q: filters.q ?? '' },
		paged,
		live: live.map(card),
		upcoming: upcoming.gigs.map(card),
		moreHref: upcoming.nextCursor ? `/?${more}` : null,
		notices,
		pageError
	};
};
