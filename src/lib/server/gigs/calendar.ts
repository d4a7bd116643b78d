import type { Gig } from './gigs.js';

/**
 * "Add to calendar": a gig as an iCalendar (RFC 5545) file, for the ticket receipt's attachment
 * and any page that offers a download. One builder, so every copy of a gig in someone's calendar
 * has the same UID and a later file (say, of the cancellation) updates the event already there.
 */

export type CalendarGig = Pick<Gig, 'id' | 'title' | 'description' | 'startsAt' | 'durationMinutes' | 'status'>;

export type CalendarLinks = {
	/** Where the ticket holder watches: the event's URL and location. */
	watchUrl: string;
	/** The gig's page, in the description. */
	gigUrl: string;
};

export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8; method=PUBLISH';

const PRODID = '-//Gigstage//Gigstage//EN';
const MAX_DESCRIPTION = 1000;

/** The gig as a one-event calendar: times in UTC (calendars show them in the reader's zone), CRLF lines folded at 75 octets. */
export function gigCalendar(gig: CalendarGig, links: CalendarLinks, now = Date.now()): string {
	const host = new URL(links.gigUrl).hostname;
	const cancelled = gig.status === 'cancelled';
	const about = gig.description.length > MAX_DESCRIPTION ? `${gig.description.slice(0, MAX_DESCRIPTION - 1)}…` : gig.description;
	const description = [`Watch: ${links.watchUrl}`, `Gig page: ${links.gigUrl}`, about].filter(Boolean).join('\n\n');
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		`PRODID:${PRODID}`,
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
		'BEGIN:VEVENT',
		`UID:gig-${gig.id}@${host}`,
		`DTSTAMP:${utc(now)}`,
		`DTSTART:${utc(gig.startsAt)}`,
		`DTEND:${utc(gig.startsAt + gig.durationMinutes * 60_000)}`,
		// A cancellation is a newer version of the same event: calendars that have it replace it.
		`SEQUENCE:${cancelled ? 1 : 0}`,
		`STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
		`SUMMARY:${text(cancelled ? `Cancelled: ${gig.title}` : gig.title)}`,
		`DESCRIPTION:${text(description)}`,
		`LOCATION:${text(links.watchUrl)}`,
		`URL:${links.watchUrl}`,
		'TRANSP:OPAQUE',
		...(cancelled ? [] : ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', `DESCRIPTION:${text(`${gig.title} starts in 15 minutes`)}`, 'END:VALARM']),
		'END:VEVENT',
		'END:VCALENDAR'
	];
	return lines.map(fold).join('\r\n') + '\r\n';
}

/** "friday-jazz.ics": a file name from the title, ASCII only. */
export function calendarFileName(gig: Pick<Gig, 'title' | 'id'>): string {
	const slug = gig.title
		.normalize('NFKD')
		.replace(/[^\w\s-]/g, '')
		.trim()
		.toLowerCase()
		.replace(/[\s_-]+/g, '-')
		.slice(0, 60)
		.replace(/-$/, '');
	return `${slug || `gig-${gig.id}`}.ics`;
}

/** 20300601T180000Z */
function utc(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** TEXT values escape backslashes, semicolons, commas and line breaks; other control characters go. */
function text(value: string): string {
	return value
		.replace(/\r\n?/g, '\n')
		// eslint-disable-next-line no-control-regex
		.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
		.replace(/\\/g, '\\\\')
		.replace(/;/g, '\\;')
		.replace(/,/g, '\\,')
		.replace(/\n/g, '\\n');
}

/** Lines longer than 75 octets continue on the next line after a space, never inside a UTF-8 character. */
function fold(line: string): string {
	const parts: string[] = [];
	let current = '';
	let octets = 0;
	for (const char of line) {
		const size = Buffer.byteLength(char);
		// Continuation lines start with a space, which counts towards their 75.
		if (octets + size > 75) {
			parts.push(current);
			current = ' ';
			octets = 1;
		}
		current += char;
		octets += size;
	}
	parts.push(current);
	return parts.join('\r\n');
}
