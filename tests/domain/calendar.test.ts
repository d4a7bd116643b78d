import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarFileName, gigCalendar, type CalendarGig } from '../../src/lib/server/gigs/calendar.js';

const gig: CalendarGig = {
	id: 'abc123',
	title: 'Jazz, blues; and \\ more',
	description: 'First line\nSecond line with ünïcödé and 🎷 '.repeat(8),
	startsAt: Date.UTC(2030, 5, 1, 18, 0),
	durationMinutes: 90,
	status: 'scheduled'
};
const links = { watchUrl: 'https://gigs.example.org/gigs/abc123/watch', gigUrl: 'https://gigs.example.org/gigs/abc123' };

/** The one event of a calendar file, as a calendar program reads it. */
function readEvent(ics: string) {
	const calendar = new ICAL.Component(ICAL.parse(ics));
	const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
	return { calendar, event };
}

describe('a gig as a calendar file', () => {
	it('parses as one event at the gig’s time with its title, watch link and a reminder', () => {
		const ics = gigCalendar(gig, links, Date.UTC(2030, 0, 1));
		const { calendar, event } = readEvent(ics);
		expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
		expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
		expect(event.uid).toBe('gig-abc123@gigs.example.org');
		expect(event.startDate.toJSDate().getTime()).toBe(gig.startsAt);
		expect(event.endDate.toJSDate().getTime()).toBe(gig.startsAt + 90 * 60_000);
		expect(event.summary).toBe(gig.title);
		expect(event.location).toBe(links.watchUrl);
		expect(event.description).toContain(`Watch: ${links.watchUrl}`);
		expect(event.description).toContain('Second line with ünïcödé and 🎷');
		expect(event.component.getFirstSubcomponent('valarm')?.getFirstPropertyValue('trigger')?.toString()).toBe('-PT15M');
	});

	it('uses CRLF line ends and folds every line to 75 octets without splitting a character', () => {
		const ics = gigCalendar(gig, links);
		expect(ics.endsWith('\r\n')).toBe(true);
		expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
		for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
		expect(ics).not.toContain('\uFFFD');
	});

	it('marks a cancelled gig as a newer, cancelled version of the same event', () => {
		const { event } = readEvent(gigCalendar({ ...gig, status: 'cancelled' }, links));
		expect(event.uid).toBe('gig-abc123@gigs.example.org');
		expect(event.component.getFirstPropertyValue('status')).toBe('CANCELLED');
		expect(event.sequence).toBe(1);
		expect(event.summary).toBe(`Cancelled: ${gig.title}`);
	});

	it('names the file after the title in ASCII', () => {
		expect(calendarFileName({ id: 'x1', title: 'Café Night: Jazz & Blues!' })).toBe('cafe-night-jazz-blues.ics');
		expect(calendarFileName({ id: 'x1', title: '🎷🎷🎷' })).toBe('gig-x1.ics');
	});
});
