import type { ShutdownStep } from './shutdown.js';

/** A worker that runs a Redis queue on this node (webhook deliveries, mail, …). */
export type QueueWorker = { start(): void; stop(): Promise<void> };

/**
 * The node's background queues, by the names /readyz gives them. Each counts as running from
 * start() until its shutdown step begins, so readiness turns 503 while the node drains.
 */
export class BackgroundQueues<Name extends string> {
	private readonly running = new Set<Name>();

	constructor(private readonly workers: Record<Name, QueueWorker>) {}

	start(): void {
		for (const name of Object.keys(this.workers) as Name[]) {
			this.workers[name].start();
			this.running.add(name);
		}
	}

	/** For /readyz: each queue, running or not. */
	report(): Record<Name, boolean> {
		return Object.fromEntries(Object.keys(this.workers).map((name) => [name, this.running.has(name as Name)])) as Record<Name, boolean>;
	}

	/** The shutdown step that stops one queue (after `first`, e.g. what feeds it). */
	stopStep(name: Name, limitMs: number, first?: () => void): ShutdownStep {
		return {
			name: `${name} queue`,
			limitMs,
			run: () => {
				this.running.delete(name);
				first?.();
				return this.workers[name].stop();
			}
		};
	}
}
