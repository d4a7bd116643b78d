import type { Logger } from 'pino';

export type QueueLoopOptions = {
	/** What the loop is, for its log lines ("webhook", "mail"). */
	name: string;
	/** A pass that handles this many (or more) jobs is followed at once by another: more may be due. */
	batch: number;
	/** How long to wait after a pass that found less than a batch. */
	pollMs: number;
	log: Logger;
};

/**
 * Runs a queue's pass over and over on this node until stopped: straight on while passes come
 * back full, else after `pollMs`. A failed pass is logged and the loop goes on.
 */
export class QueueLoop {
	private running = false;
	private loop: Promise<void> | null = null;
	private wakeUp: (() => void) | null = null;
	// Set by a wake-up that came during a pass: the next pause is skipped, so nothing waits a poll.
	private woken = false;

	constructor(
		private readonly pass: () => Promise<number>,
		private readonly options: QueueLoopOptions
	) {}

	start(): void {
		if (this.running) return;
		this.running = true;
		this.loop = this.run();
	}

	/** Stops after the pass in flight (the caller interrupts that pass's work if it must). */
	async stop(): Promise<void> {
		this.running = false;
		this.wake();
		await this.loop;
		this.loop = null;
	}

	/** Runs the next pass now instead of after the poll interval (something was just queued). */
	wake(): void {
		if (this.wakeUp) this.wakeUp();
		else this.woken = true;
	}

	private async run(): Promise<void> {
		while (this.running) {
			let handled = 0;
			try {
				handled = await this.pass();
			} catch (error) {
				this.options.log.error({ err: error }, `${this.options.name} worker pass failed`);
			}
			if (handled < this.options.batch && this.running) await this.pause(this.options.pollMs);
		}
	}

	private pause(ms: number): Promise<void> {
		if (this.woken) {
			this.woken = false;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.wakeUp = null;
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wakeUp = done;
		});
	}
}
