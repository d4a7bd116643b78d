import type { Logger } from 'pino';

// Stream keys are 32 base64url characters; a play token or any other long secret in a free-text
// line looks the same. Nothing that long and random has a place in a log line.
const SECRET_LIKE = /[A-Za-z0-9_-]{20,}/g;

/** A free-text log line with anything that could be a stream key or token masked. */
export function redactSecrets(line: string): string {
	return line.replace(SECRET_LIKE, '[redacted]');
}

/** Logs at most one line per `key` per `everyMs`, saying how many were held back since. */
export class ThrottledLog {
	private readonly last = new Map<string, { at: number; held: number }>();

	constructor(
		private readonly log: Logger,
		private readonly everyMs = 10_000
	) {}

	warn(key: string, fields: Record<string, unknown>, message: string): void {
		const now = Date.now();
		const entry = this.last.get(key);
		if (entry && now - entry.at < this.everyMs) {
			entry.held++;
			return;
		}
		if (this.last.size > 1000) this.last.clear(); // keys are addresses: many of them must not grow the map without end
		this.last.set(key, { at: now, held: 0 });
		this.log.warn(entry?.held ? { ...fields, alsoSince: entry.held } : fields, message);
	}
}
