import { mkdir, statfs } from 'node:fs/promises';
import type { Logger } from 'pino';

export type DiskReport = { dir: string; freeBytes: number | null; reserveBytes: number; low: boolean };

const CHECK_EVERY_MS = 2000;

/**
 * Watches the free space of DATA_DIR (the embedded Redis's append-only file, cover images, later
 * recordings). Below the reserve the disk counts as full: new files are refused and the embedded
 * Redis is switched to refusing writes, before a write it cannot finish makes it exit. Like a
 * database's flood-stage watermark: what is stored stays readable, nothing is half-written, and
 * writes come back by themselves once space is freed. One log line per change.
 */
export class DiskSpace {
	private state: { freeBytes: number | null; low: boolean } = { freeBytes: null, low: false };
	private readonly listeners = new Set<(low: boolean) => void>();
	private timer: ReturnType<typeof setInterval> | null = null;

	constructor(
		readonly dir: string,
		readonly reserveBytes: number,
		private readonly log: Logger
	) {}

	get low(): boolean {
		return this.state.low;
	}

	/** Checks now, then every two seconds. */
	async start(): Promise<void> {
		await mkdir(this.dir, { recursive: true });
		await this.check();
		this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
		this.timer.unref();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.listeners.clear();
	}

	onChange(listener: (low: boolean) => void): void {
		this.listeners.add(listener);
	}

	report(): DiskReport {
		return { dir: this.dir, freeBytes: this.state.freeBytes, reserveBytes: this.reserveBytes, low: this.state.low };
	}

	/** Reads the free space now (also after a write failed with ENOSPC); returns whether it is low. */
	async check(): Promise<boolean> {
		let freeBytes: number;
		try {
			const fs = await statfs(this.dir);
			freeBytes = fs.bavail * fs.bsize;
		} catch (error) {
			this.log.debug({ dir: this.dir, err: error }, 'could not read the free disk space');
			return this.state.low;
		}
		const low = freeBytes < this.reserveBytes;
		const changed = low !== this.state.low;
		this.state = { freeBytes, low };
		if (!changed) return low;
		if (low) this.log.error({ dir: this.dir, freeBytes, reserveBytes: this.reserveBytes }, 'disk almost full: new covers and Redis writes are refused until space is freed; shows go on');
		else this.log.info({ dir: this.dir, freeBytes }, 'disk has room again; writes accepted');
		for (const listener of this.listeners) listener(low);
		return low;
	}
}
