import type { Gig } from './gigs.js';

/** iCalendar text: backslash, semicolon and comma escaped, line breaks as \n (RFC 5545 3.3.11). */
function text(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** 20300601T180000Z */
function utc(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1), never inside a character. */
function fold(line: string): string {
	const out: string[] = [];
	let current = '';
	let bytes = 0;
	for (const char of line) {
		const size = Buffer.byteLength(char);
		if (bytes + size > (out.length ? 74 : 75)) {
			out.push(current);
			current = '';
			bytes = 0;
		}
		current += char;
		bytes += size;
	}
	out.push(current);
	return out.join('\r\n ');
}

/**
 * A gig as a calendar event (an `.ics` file): the start in UTC (calendars show it in each person's
 * zone), its length, and the link to its page.
 */
export function gigCalendar(gig: Gig, pageUrl: string, host: string, now = Date.now()): string {
	const description = [gig.description, `Tickets and the live show: ${pageUrl}`].filter(Boolean).join('\n\n');
	const lines = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//Gigstage//Gigstage//EN',
		'CALSCALE:GREGORIAN',
		'METHOD:PUBLISH',
		'BEGIN:VEVENT',
		`UID:gig-${gig.id}@${host}`,
		`DTSTAMP:${utc(now)}`,
		`DTSTART:${utc(gig.startsAt)}`,
		`DTEND:${utc(gig.startsAt + gig.durationMinutes * 60_000)}`,
		`SUMMARY:${text(gig.title)}`,
		`DESCRIPTION:${text(description)}`,
		`URL:${pageUrl}`,
		`LOCATION:${text(pageUrl)}`,
		`STATUS:${gig.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'}`,
		'END:VEVENT',
		'END:VCALENDAR'
	];
	return lines.map(fold).join('\r\n') + '\r\n';
}
