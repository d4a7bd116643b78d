import type { ShowPlayer } from './show-player.js';

/** What a viewer is told about their playback: how far behind the host, and whether the connection copes. */
export type Playback = {
	/** Measured delay behind the server's send time of what is on screen now, or null while measuring. */
	delayMs: number | null;
	connection: 'good' | 'weak' | 'bad';
	/** Plain words when the connection is not good. */
	hint: string | null;
};

const EVERY_MS = 1000;
const CLOCK_SAMPLES = 5;
const CLOCK_REFRESH_MS = 30_000;
const SMOOTHING = 5;

type Offset = { value: number; rtt: number; at: number };
type Counters = { lost: number; received: number; freezes: number };

/**
 * Measures what the viewer sees against the server's clock. The media server's RTCP sender
 * reports carry its clock, so each receiver's `estimatedPlayoutTimestamp` says which server time
 * is playing now; a few samples of that clock over signaling (the best round trip wins, as in
 * NTP) turn it into "0.3 s behind". The same stats tell packet loss and freezes, for a hint when
 * the connection degrades.
 */
export class PlaybackMonitor {
	private offsets: Offset[] = [];
	private recent: number[] = [];
	private last: Counters | null = null;
	private weakFor = 0;
	private timer: ReturnType<typeof setInterval> | undefined;
	private stopped = false;

	constructor(
		private readonly player: Pick<ShowPlayer, 'receiverStats' | 'serverClock'>,
		private readonly report: (playback: Playback) => void
	) {}

	start(): void {
		if (this.timer) return;
		this.timer = setInterval(() => void this.tick(), EVERY_MS);
		void this.tick();
	}

	stop(): void {
		this.stopped = true;
		clearInterval(this.timer);
	}

	private async tick(): Promise<void> {
		await this.syncClock();
		const stats = await this.player.receiverStats().catch(() => []);
		if (this.stopped) return;
		if (!stats.length) {
			this.recent = [];
			this.last = null;
			return;
		}
		const delay = this.delay(stats);
		if (delay !== null) this.recent = [...this.recent.slice(-(SMOOTHING - 1)), delay];
		this.report({ delayMs: this.recent.length ? median(this.recent) : null, ...this.connection(stats) });
	}

	/** Server clock minus this page's performance clock, from the sample with the shortest round trip. */
	private offset(): number | null {
		const best = this.offsets.reduce<Offset | null>((a, b) => (!a || b.rtt < a.rtt ? b : a), null);
		return best?.value ?? null;
	}

	private async syncClock(): Promise<void> {
		const fresh = this.offsets.filter((o) => performance.now() - o.at < CLOCK_REFRESH_MS * 4);
		this.offsets = fresh;
		const newest = fresh.at(-1)?.at ?? -Infinity;
		if (fresh.length >= CLOCK_SAMPLES && performance.now() - newest < CLOCK_REFRESH_MS) return;
		const sample = await this.player.serverClock();
		if (!sample) return;
		const rtt = sample.answeredAt - sample.sentAt;
		this.offsets.push({ value: sample.now - (sample.sentAt + rtt / 2), rtt, at: sample.answeredAt });
	}

	private delay(stats: { kind: 'audio' | 'video'; report: RTCStatsReport }[]): number | null {
		const offset = this.offset();
		if (offset === null) return null;
		for (const { report } of stats) {
			let found: number | null = null;
			report.forEach((s: { type: string; estimatedPlayoutTimestamp?: number; timestamp: number }) => {
				if (s.type !== 'inbound-rtp' || !s.estimatedPlayoutTimestamp) return;
				// Stats are stamped in wall-clock milliseconds; the offset is against performance.now().
				const serverNow = s.timestamp - performance.timeOrigin + offset;
				found = serverNow - s.estimatedPlayoutTimestamp;
			});
			if (found !== null && found > 0 && found < 60_000) return found;
		}
		return null;
	}

	private connection(stats: { report: RTCStatsReport }[]): Pick<Playback, 'connection' | 'hint'> {
		const now: Counters = { lost: 0, received: 0, freezes: 0 };
		for (const { report } of stats) {
			report.forEach((s: { type: string; packetsLost?: number; packetsReceived?: number; freezeCount?: number }) => {
				if (s.type !== 'inbound-rtp') return;
				now.lost += Math.max(0, s.packetsLost ?? 0);
				now.received += s.packetsReceived ?? 0;
				now.freezes += s.freezeCount ?? 0;
			});
		}
		const before = this.last;
		this.last = now;
		if (!before) return { connection: 'good', hint: null };
		const lost = now.lost - before.lost;
		const total = lost + (now.received - before.received);
		const loss = total > 0 ? lost / total : 0;
		const froze = now.freezes > before.freezes;
		const bad = loss > 0.08 || froze;
		const weak = bad || loss > 0.02;
		// One bad second is noise; two in a row is worth saying.
		this.weakFor = weak ? this.weakFor + 1 : 0;
		if (this.weakFor < 2) return { connection: 'good', hint: null };
		return bad
			? { connection: 'bad', hint: 'Your connection is struggling: the picture may stutter. Picking a lower quality can help.' }
			: { connection: 'weak', hint: 'Your connection is weak: the picture may be softer for a while.' };
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}
