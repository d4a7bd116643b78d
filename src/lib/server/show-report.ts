import { formatPrice } from './gigs/gig-input.js';
import type { Gig } from './gigs/gigs.js';
import { services } from './services.js';
import type { ShowNumbersData } from '$lib/components/ShowNumbers.svelte';

/** A show's numbers as its creator reads them, on the gig's page and in My gigs. */
export type ShowReport = ShowNumbersData;

/** The numbers recorded while the gig's show ran (null if it never went on air), with its tickets and takings. */
export async function showReport(gig: Gig): Promise<ShowReport | null> {
	const { chat, tickets } = services();
	const [numbers, reactions, takings] = await Promise.all([chat.numbers.summary(gig.id), chat.reactions.totals(gig.id), tickets.takings(gig.id)]);
	if (!numbers) return null;
	const money = Object.entries(takings.revenue).filter(([, minor]) => minor > 0);
	return {
		...numbers,
		reactions: Object.values(reactions).reduce((a, b) => a + b, 0),
		tickets: takings.tickets,
		revenue: money.length ? money.map(([currency, minor]) => formatPrice(minor, currency)).join(' + ') : gig.priceMinor === 0 ? 'Free gig' : new Intl.NumberFormat('en', { style: 'currency', currency: gig.currency }).format(0)
	};
}
