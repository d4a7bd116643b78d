// With a 10 s base: 10 s, 30 s, 2 min, 10 min, 1 h, then 1 h for any further attempt.
const RETRY_STEPS = [1, 3, 12, 60, 360];

/** How long to wait after the given failed attempt (1 = the first). */
export function retryDelayMs(attempt: number, baseMs: number): number {
	return baseMs * RETRY_STEPS[Math.min(Math.max(attempt, 1), RETRY_STEPS.length) - 1]!;
}
