import type { GigCardData } from '$lib/components/GigCard.svelte';
import { publicName } from './accounts/accounts.js';
import { formatPrice } from './gigs/gig-input.js';
import type { Gig } from './gigs/gigs.js';
import { services } from './services.js';

/** Gigs as cards show them, their creators named (looked up once each). */
export async function gigCards(gigs: Gig[]): Promise<GigCardData[]> {
	const { accounts } = services();
	const ids = [...new Set(gigs.map((g) => g.creatorId))];
	const creators = await Promise.all(ids.map((id) => accounts.user(id)));
	const names = new Map(creators.flatMap((c) => (c ? [[c.id, publicName(c)] as const] : [])));
	return gigs.map((gig) => ({
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
	}));
}

/** A creator's gigs by moment: on air now, coming up (soonest first), and past shows (latest first). */
export function byMoment(gigs: Gig[], now = Date.now()) {
	const live = gigs.filter((g) => g.status === 'live');
	const upcoming = gigs.filter((g) => g.status === 'scheduled' && g.startsAt + g.durationMinutes * 60_000 > now).sort((a, b) => a.startsAt - b.startsAt);
	const past = gigs.filter((g) => g.status === 'ended').sort((a, b) => (b.startedAt ?? b.startsAt) - (a.startedAt ?? a.startsAt));
	return { live, upcoming, past };
}
