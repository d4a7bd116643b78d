import type { Logger } from 'pino';

// One line per connection and message a minute; at most this many lines a minute in all.
const PER_KEY_MS = 60_000;
const LINES_PER_MINUTE = 20;
const KEYS_KEPT = 2000;
const shared = new WeakMap<Logger, FailureLog>();

/** The one FailureLog of a server's logger: `/media` and `/live` share its bound. */
export function failureLogFor(log: Logger): FailureLog {
	let failures = shared.get(log);
	if (!failures) shared.set(log, (failures = new FailureLog(log)));
	return failures;
}

/**
 * Logs requests that failed for a reason nobody planned for, without letting clients flood the
 * log: a connection repeating the same failing message is logged once a minute (with how many
 * were left out), and every connection together gets a bounded number of lines a minute, so
 * opening many connections does not get around it.
 */
export class FailureLog {
	private readonly lastByKey = new Map<string, { at: number; skipped: number }>();
	private window = { start: 0, lines: 0, skipped: 0 };

	constructor(
		private readonly log: Logger,
		private readonly now: () => number = Date.now
	) {}

	/** A request `name` from connection `socketId` failed unexpectedly with `error`. */
	failed(socketId: string, name: string, error: unknown): void {
		const now = this.now();
		const key = `${socketId}\u0000${name}`;
		const last = this.lastByKey.get(key);
		if (last && now - last.at < PER_KEY_MS) {
			last.skipped++;
			return;
		}
		if (!this.mayWrite(now)) return;
		this.remember(key, now);
		this.log.error({ socketId, name, err: error, repeatsLeftOut: last?.skipped ?? 0 }, 'signaling request failed');
	}

	private mayWrite(now: number): boolean {
		if (now - this.window.start >= 60_000) {
			if (this.window.skipped) this.log.error({ linesLeftOut: this.window.skipped }, 'signaling failures left out of the log in the last minute');
			this.window = { start: now, lines: 0, skipped: 0 };
		}
		if (this.window.lines >= LINES_PER_MINUTE) {
			this.window.skipped++;
			return false;
		}
		this.window.lines++;
		return true;
	}

	private remember(key: string, now: number): void {
		this.lastByKey.delete(key); // re-inserted last: the map stays oldest-first
		this.lastByKey.set(key, { at: now, skipped: 0 });
		if (this.lastByKey.size > KEYS_KEPT) this.lastByKey.delete(this.lastByKey.keys().next().value!);
	}
}
