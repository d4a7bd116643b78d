/** A show whose encoder went away mid-show, kept `interrupted` for the key that streamed it. */
export type HeldShow = {
	gigId: string;
	streamKey: string;
	/** When the grace ends (ms since the epoch). */
	until: number;
	/** OBS's "Stop Streaming" (a short grace) rather than a dropped connection (a long one). */
	stoppedCleanly: boolean;
};

/**
 * The grace after an encoder leaves mid-show, in one place: while it runs, the same stream key
 * resumes the show and any other key is refused (the ingest asks `held`); when it runs out,
 * `expired` ends the show.
 * Timers live in this process: the node that served the stream keeps its show's grace.
 */
export class ShowHolds {
	private readonly holds = new Map<string, { held: HeldShow; timer: NodeJS.Timeout }>();

	constructor(private readonly expired: (held: HeldShow) => void) {}

	hold(held: HeldShow): void {
		this.release(held.gigId);
		const timer = setTimeout(() => {
			this.holds.delete(held.gigId);
			this.expired(held);
		}, Math.max(0, held.until - Date.now()));
		this.holds.set(held.gigId, { held, timer });
	}

	held(gigId: string): HeldShow | null {
		return this.holds.get(gigId)?.held ?? null;
	}

	/** Drops a hold without ending its show. */
	release(gigId: string): void {
		const entry = this.holds.get(gigId);
		if (!entry) return;
		clearTimeout(entry.timer);
		this.holds.delete(gigId);
	}

	/** The server stops: holds go without ending their shows (they stay interrupted, as any show on a stopping node). */
	releaseAll(): void {
		for (const gigId of [...this.holds.keys()]) this.release(gigId);
	}
}
