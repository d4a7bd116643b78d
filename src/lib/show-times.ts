/**
 * Times that decide what a show may do, shared by the pages (which ask and explain) and the
 * server (which decides).
 */

/** Going live more than this before the scheduled start asks the creator, and moves the start to now. */
export const EARLY_START_MS = 15 * 60_000;

/** An ended show may be resumed (an End pressed by accident) for this long; after that it is over for good. */
export const RESUME_WINDOW_MS = 5 * 60_000;

/** Whether going live now is "long before" the start. */
export function startsLongAfter(startsAt: number, now = Date.now()): boolean {
	return startsAt - now > EARLY_START_MS;
}

/** Whether a show that ended at `endedAt` may still be resumed. */
export function mayResume(endedAt: number | null, now = Date.now()): boolean {
	return endedAt !== null && now - endedAt <= RESUME_WINDOW_MS;
}
