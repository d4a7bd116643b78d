/**
 * How many streams this node re-encodes at once. A re-encode at the capped size costs ~35-50 %
 * of a core (bench:rtmp); past the machine's room, each one more would slow every gig on it, so a
 * stream that needs one when none is free is refused, with what to change in OBS.
 */
export class ReencodeSlots {
	private readonly taken = new Set<string>();

	constructor(readonly capacity: number) {}

	/** One per gig: a restarted bridge of the same gig keeps its slot. */
	take(gigId: string): boolean {
		if (this.taken.has(gigId)) return true;
		if (this.taken.size >= this.capacity) return false;
		this.taken.add(gigId);
		return true;
	}

	release(gigId: string): void {
		this.taken.delete(gigId);
	}

	get used(): number {
		return this.taken.size;
	}
}

/** One re-encode per two cores (at least one): the other half stays for the SFU, the web and Redis. */
export function defaultReencodeCapacity(cores: number): number {
	return Math.max(1, Math.floor(cores / 2));
}
