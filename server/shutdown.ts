import type { Logger } from 'pino';

/** One thing to close on the way out, and how long it may take at most. */
export type ShutdownStep = { name: string; limitMs: number; run: () => Promise<unknown> | unknown };

/** However broken things are, a SIGTERM ends the process within this (orchestrators kill at 30 s). */
export const SHUTDOWN_BOUND_MS = 10_000;

/**
 * Closes `steps` in order, each within its own limit and all within `boundMs`: a step that fails
 * or overruns (Redis frozen, a peer that never answers) is named in the log and left behind, and
 * the next one starts. Resolves with the names of the steps that did not finish cleanly.
 */
export async function closeInOrder(steps: ShutdownStep[], log: Logger, boundMs = SHUTDOWN_BOUND_MS): Promise<string[]> {
	const deadline = Date.now() + boundMs;
	const unfinished: string[] = [];
	for (const step of steps) {
		const budget = Math.min(step.limitMs, deadline - Date.now());
		if (budget <= 0) {
			unfinished.push(step.name);
			log.warn({ step: step.name }, 'shutdown: no time left to close this');
			continue;
		}
		const outcome = await within(budget, step.run);
		if (outcome === 'done') continue;
		unfinished.push(step.name);
		if (outcome === 'timeout') log.warn({ step: step.name, limitMs: budget }, 'shutdown: did not close in time; moving on');
		else log.warn({ step: step.name, err: outcome.error }, 'shutdown: could not close; moving on');
	}
	return unfinished;
}

async function within(ms: number, run: () => Promise<unknown> | unknown): Promise<'done' | 'timeout' | { error: unknown }> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
	try {
		return await Promise.race([Promise.resolve().then(run).then(() => 'done' as const), timeout]);
	} catch (error) {
		return { error };
	} finally {
		clearTimeout(timer);
	}
}
