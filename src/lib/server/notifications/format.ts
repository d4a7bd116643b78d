import { formatPrice } from '../gigs/gig-input.js';

/** "Saturday, 1 June 2030 at 15:30 GMT-4 (New York time)": a start as mail shows it, in the reader's zone. */
export function formatStart(ms: number, timeZone: string): string {
	const options: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' };
	try {
		const place = timeZone === 'UTC' ? '' : ` (${timeZone.split('/').pop()!.replace(/_/g, ' ')} time)`;
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(ms) + place;
	} catch {
		return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(ms);
	}
}

/** "20:00 CEST": the time of day only, for "starts at …". */
export function formatTime(ms: number, timeZone: string): string {
	try {
		return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short', timeZone }).format(ms);
	} catch {
		return new Date(ms).toISOString().slice(11, 16) + ' UTC';
	}
}

/** "1 h 30 min", "45 min". */
export function formatDuration(minutes: number): string {
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return [h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ') || '0 min';
}

export { formatPrice };
