import type { Writable } from 'node:stream';

// What a sink (ffmpeg's stdin) is handed beyond what it has taken: little, so that a backlog
// waits here, where it can still be thinned or skipped, not in a pipe where it cannot.
const SINK_BYTES = 32 * 1024;
// A reader this far behind leaves out frames nothing else refers to (B-frames, mostly): fewer
// frames for a while, no freeze. A re-encode to 30 fps of a 60 fps stream does not even lose any.
const DROP_LAG_MS = 300;
// This far behind, the backlog goes as soon as it holds a keyframe: video jumps to the newest
// one. A late picture is worth less than a current one; the sound has its own reader. Without a
// keyframe to jump to it waits for one rather than freeze the picture until the next.
const SKIP_LAG_MS = 1000;
// A reader this far behind without taking anything has stopped reading.
const STUCK_LAG_MS = 5000;
// Sound that follows a re-encoded picture waits for it at most this long, then plays on.
const MAX_HOLD_MS = 600;
const HOLD_CHECK_MS = 10;

/** One FLV tag; `droppable` when it is an H.264 frame no other frame refers to (nal_ref_idc 0). */
export type Tag = { bytes: Buffer; dts: number; kind: 'audio' | 'video' | 'data'; keyframe: boolean; droppable: boolean };
export type Tracks = { audio: boolean; video: boolean };

export type FeedReaderEvents = {
	/** The reader fell far behind: its video backlog was dropped, up to a keyframe. */
	skipped?(lagMs: number): void;
	/** The reader stopped reading; it was detached. */
	stuck?(): void;
};

/** A sink being fed. */
export type FeedAttachment = {
	detach(): void;
	/** The timestamp of the last tag the sink was handed: about how far its ffmpeg has read. */
	readDts(): number;
};

export type AttachOptions = FeedReaderEvents & {
	/**
	 * Holds each tag until this reader (the picture's) has read up to its timestamp. Viewers line
	 * sound up with pictures by when each reaches the SFU, so sound that overtakes a re-encoded
	 * picture would play ahead of it; held, it leaves ffmpeg with the picture it belongs to.
	 */
	follow?: FeedAttachment;
};

/**
 * One sink being fed its tracks. Tags wait in a queue and go to the sink as it takes them, so a
 * reader that falls behind (a re-encode on a busy machine) can be thinned and brought back to the
 * present instead of lagging ever further.
 */
export class FeedReader implements FeedAttachment {
	private readonly queue: Tag[] = [];
	private newestDts = 0;
	private writtenDts = 0;
	/** Until the first keyframe, video waits for one. */
	private waitingForKeyframe = true;
	private detached = false;
	private held: { tag: Tag; since: number }[] = [];
	private holdTimer: NodeJS.Timeout | null = null;

	constructor(
		private readonly sink: Writable,
		private readonly tracks: Tracks,
		private readonly options: AttachOptions,
		private readonly forget: () => void
	) {
		// ffmpeg gone: writes fail with EPIPE, which the bridge learns from ffmpeg's exit.
		sink.on('error', () => this.detach());
		sink.on('drain', () => this.pump());
	}

	/** The FLV header and codec headers: straight to the sink, ahead of everything. */
	start(header: Buffer, headers: Buffer[]): void {
		for (const bytes of [header, ...headers]) this.sink.write(bytes);
	}

	offer(tag: Tag): void {
		if (this.detached || (tag.kind === 'audio' && !this.tracks.audio) || (tag.kind === 'video' && !this.tracks.video)) return;
		if (this.options.follow && tag.kind !== 'data') this.hold(tag);
		else this.enqueue(tag);
	}

	readDts(): number {
		return this.writtenDts;
	}

	detach(): void {
		if (this.detached) return;
		this.detached = true;
		if (this.holdTimer) clearInterval(this.holdTimer);
		this.held = [];
		this.queue.length = 0;
		this.forget();
		if (!this.sink.destroyed) this.sink.end();
	}

	private enqueue(tag: Tag): void {
		this.newestDts = Math.max(this.newestDts, tag.dts);
		if (tag.kind === 'video') {
			if (tag.keyframe) this.waitingForKeyframe = false;
			if (this.waitingForKeyframe) return;
			const lag = this.lagMs();
			if (lag > SKIP_LAG_MS) this.catchUp(lag, tag);
			if (tag.droppable && lag > DROP_LAG_MS) return;
		}
		this.queue.push(tag);
		this.pump();
		if (this.lagMs() > STUCK_LAG_MS) {
			this.detach();
			this.options.stuck?.();
		}
	}

	/** How far the oldest tag not yet handed over trails the newest one offered. */
	private lagMs(): number {
		return this.queue.length ? this.newestDts - this.queue[0]!.dts : 0;
	}

	/** Drops the queued video before its newest keyframe (`incoming`, if it is one); nothing without one. */
	private catchUp(lag: number, incoming: Tag): void {
		const keyframe = incoming.keyframe ? this.queue.length : this.queue.findLastIndex((t) => t.keyframe);
		if (keyframe <= 0) return;
		const keep = this.queue.filter((t, i) => t.kind !== 'video' || i >= keyframe);
		this.queue.splice(0, this.queue.length, ...keep);
		this.options.skipped?.(lag);
	}

	private pump(): void {
		while (this.queue.length && this.sink.writableLength < SINK_BYTES && !this.detached) {
			if (this.sink.destroyed || this.sink.writableEnded) return this.detach();
			const tag = this.queue.shift()!;
			this.sink.write(tag.bytes);
			this.writtenDts = tag.dts;
		}
	}

	private hold(tag: Tag): void {
		this.held.push({ tag, since: Date.now() });
		this.release();
		this.holdTimer ??= setInterval(() => this.release(), HOLD_CHECK_MS);
	}

	/** Passes on held tags the followed reader has caught up with, or that waited too long. */
	private release(): void {
		const upTo = this.options.follow!.readDts();
		const now = Date.now();
		while (this.held.length && (this.held[0]!.tag.dts <= upTo || now - this.held[0]!.since > MAX_HOLD_MS)) this.enqueue(this.held.shift()!.tag);
		if (!this.held.length && this.holdTimer) {
			clearInterval(this.holdTimer);
			this.holdTimer = null;
		}
	}
}
