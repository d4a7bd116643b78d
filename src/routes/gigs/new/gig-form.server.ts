import { CATEGORIES, CURRENCIES } from '$lib/server/gigs/gig-input';
import { utcToZonedTime } from '$lib/server/gigs/zoned-time';
import type { Gig } from '$lib/server/gigs/gigs';

/** What GigForm offers in its selects; shared by the new and the edit page. */
export type GigFormOptions = { categories: readonly string[]; currencies: readonly string[]; timeZones: string[] };

let zones: string[] | null = null;

export function gigFormOptions(): GigFormOptions {
	zones ??= ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
	return { categories: CATEGORIES, currencies: CURRENCIES, timeZones: zones };
}

/** The text fields of a submitted form, as the domain's gig input expects them (files left out). */
export function formStrings(form: FormData): Record<string, string> {
	const strings: Record<string, string> = {};
	for (const [name, value] of form.entries()) if (typeof value === 'string') strings[name] = value;
	return strings;
}

/** The uploaded cover, if a file was chosen. */
export function coverFile(form: FormData): File | null {
	const cover = form.get('cover');
	return cover instanceof File && (cover.size > 0 || cover.name !== '') ? cover : null;
}

/** A stored gig as the edit form's values. */
export function gigFormValues(gig: Gig): Record<string, string> {
	const decimals = new Intl.NumberFormat('en', { style: 'currency', currency: gig.currency }).resolvedOptions().maximumFractionDigits ?? 2;
	return {
		title: gig.title,
		description: gig.description,
		category: gig.category,
		startsAtLocal: utcToZonedTime(gig.startsAt, gig.timeZone),
		timeZone: gig.timeZone,
		durationMinutes: String(gig.durationMinutes),
		price: gig.priceMinor === 0 ? '0' : (gig.priceMinor / 10 ** decimals).toFixed(decimals),
		currency: gig.currency,
		capacity: gig.capacity === null ? '' : String(gig.capacity),
		audioOnly: gig.audioOnly ? 'on' : ''
	};
}

export function loginRedirectPath(url: URL): string {
	return `/login?next=${encodeURIComponent(url.pathname + url.search)}`;
}
