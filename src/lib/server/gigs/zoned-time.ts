/** Whether `zone` is an IANA time zone this runtime knows, e.g. "Europe/Berlin". */
export function isTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en', { timeZone: zone });
		return zone.length > 0;
	} catch {
		return false;
	}
}

/** The zone's offset from UTC at the instant `utcMs`, in ms. */
function offsetAt(utcMs: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit'
	}).formatToParts(utcMs);
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
	return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instant a wall-clock time ("2026-12-31T21:30") happens in a time zone. Two passes settle
 * the offset across DST changes; a time skipped by a DST jump lands just after it.
 */
export function zonedTimeToUtc(local: string, timeZone: string): number | null {
	const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
	if (!match) return null;
	const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
	const wall = Date.UTC(y, mo - 1, d, h, mi);
	if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== d) return null;
	let utc = wall - offsetAt(wall, timeZone);
	utc = wall - offsetAt(utc, timeZone);
	return utc;
}

/** The wall-clock time ("YYYY-MM-DDTHH:mm") of an instant in a zone: the inverse, for edit forms. */
export function utcToZonedTime(utcMs: number, timeZone: string): string {
	const local = new Date(utcMs + offsetAt(utcMs, timeZone));
	return local.toISOString().slice(0, 16);
}
