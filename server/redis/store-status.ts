import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StoreGate } from '../../src/lib/server/store.js';

export type StoreReport = {
	available: boolean;
	/** Each connection's ioredis status (`ready` when usable). */
	connections: Record<string, string>;
	/** Since when (ms) the store has been unavailable, or null. */
	downSince: number | null;
	writesRefused: string | null;
};

const PING_EVERY_MS = 1000;
const PERSISTENCE_EVERY_MS = 5000;

/**
 * Watches every connection to Redis (the domain's, and Socket.IO adapter's pair) and says, once
 * per change, whether the store is there: one log line when it goes ("Redis unreachable"), one
 * when it is back, never a stack trace per reconnect attempt. A ping each second catches a Redis
 * that is frozen rather than gone (its connection stays open but nothing answers): the
 * connection is then dropped, so commands fail at once instead of waiting for their timeout.
 */
export class StoreStatus implements StoreGate {
	private downSince: number | null = null;
	private refusal: string | null = null;
	private lastReason = '';
	private readonly listeners = new Set<(available: boolean) => void>();
	private readonly timers: ReturnType<typeof setInterval>[] = [];
	private pinging = false;

	constructor(
		private readonly connections: Record<string, Redis>,
		private readonly main: Redis,
		private readonly log: Logger
	) {
		for (const [name, connection] of Object.entries(connections)) {
			connection.on('error', (error: Error) => this.noteReason(name, error));
			connection.on('close', () => this.update(`${name} connection closed`));
			connection.on('end', () => this.update(`${name} connection ended`));
			connection.on('ready', () => this.update(`${name} connection ready`));
		}
		this.timers.push(setInterval(() => void this.ping(), PING_EVERY_MS).unref());
		this.timers.push(setInterval(() => void this.checkPersistence(), PERSISTENCE_EVERY_MS).unref());
		void this.checkPersistence();
	}

	get available(): boolean {
		return this.downSince === null;
	}

	get writesRefused(): string | null {
		return this.refusal;
	}

	/** Called with true when the store comes back and false when it goes. */
	onChange(listener: (available: boolean) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	report(): StoreReport {
		return {
			available: this.available,
			connections: Object.fromEntries(Object.entries(this.connections).map(([name, c]) => [name, c.status])),
			downSince: this.downSince,
			writesRefused: this.refusal
		};
	}

	close(): void {
		for (const timer of this.timers) clearInterval(timer);
		this.listeners.clear();
	}

	private noteReason(name: string, error: Error): void {
		this.lastReason = `${name}: ${error.message}`;
		this.update(this.lastReason);
	}

	private update(reason: string, frozen = false): void {
		const up = !frozen && Object.values(this.connections).every((c) => c.status === 'ready');
		if (up === this.available) return;
		if (up) {
			const downMs = Date.now() - this.downSince!;
			this.downSince = null;
			this.log.info({ downMs }, 'Redis is back; serving again');
		} else {
			this.downSince = Date.now();
			this.log.warn({ reason }, 'Redis unreachable; pages answer 503 until it is back');
		}
		for (const listener of this.listeners) listener(up);
	}

	private async ping(): Promise<void> {
		if (this.pinging || this.main.status !== 'ready') return;
		this.pinging = true;
		try {
			await this.main.ping();
		} catch (error) {
			if (this.main.status === 'ready' && (error as Error).message === 'Command timed out') {
				// Frozen (SIGSTOP, a stalled network): dropping the socket fails the commands waiting on it
				// at once, and reconnecting finds Redis again when it thaws. Destroyed, not ended: a frozen
				// peer never acknowledges a graceful close.
				this.update('Redis stopped answering', true);
				this.main.stream?.destroy();
			}
		} finally {
			this.pinging = false;
		}
	}

	/** Redis still answers reads but refuses writes when it cannot write its files (MISCONF). */
	private async checkPersistence(): Promise<void> {
		if (this.main.status !== 'ready') return;
		let info: string;
		try {
			info = await this.main.info('persistence');
		} catch {
			return; // unreachable: the connection events say so
		}
		const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
		const refusal =
			field('aof_enabled') === '1' && field('aof_last_write_status') === 'err'
				? 'Redis cannot write its append-only file (is its disk full?)'
				: field('rdb_last_bgsave_status') === 'err'
					? 'Redis cannot write its snapshot (is its disk full?)'
					: null;
		if (refusal === this.refusal) return;
		this.refusal = refusal;
		if (refusal) this.log.error({ reason: refusal }, 'Redis refuses writes; purchases, sign-ups and chat fail until it can write again');
		else this.log.info('Redis writes its files again');
	}
}
