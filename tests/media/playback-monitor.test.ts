import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlaybackMonitor, type Playback } from '../../src/lib/media/playback-monitor.js';

/** A stats report as a receiver's getStats() gives it: a Map-like of stats objects. */
const report = (...stats: Record<string, unknown>[]) => new Map(stats.map((s, i) => [String(i), s])) as unknown as RTCStatsReport;

/** A player whose server clock is `offset` ms ahead of this page's performance clock, with `rtt` ms round trips. */
function fakePlayer(offset: number, inbound: () => Record<string, unknown>, rtt = 10) {
	return {
		async serverClock() {
			const sentAt = performance.now();
			return { now: sentAt + rtt / 2 + offset, sentAt, answeredAt: sentAt + rtt };
		},
		async receiverStats() {
			return [{ kind: 'video' as const, report: report({ type: 'inbound-rtp', timestamp: performance.timeOrigin + performance.now(), ...inbound() }) }];
		}
	};
}

async function run(monitor: PlaybackMonitor, seconds: number) {
	monitor.start();
	for (let i = 0; i < seconds; i++) await vi.advanceTimersByTimeAsync(1000);
	monitor.stop();
}

afterEach(() => vi.useRealTimers());

describe('the playback monitor', () => {
	it('turns the playout timestamp and a sample of the server clock into the delay behind the server', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'performance'] });
		const offset = 123_456; // the server's clock reads far from the page's: only differences matter
		const seen: Playback[] = [];
		// What plays now was sent by the server 280 ms ago, on the server's clock.
		const monitor = new PlaybackMonitor(fakePlayer(offset, () => ({ estimatedPlayoutTimestamp: performance.now() + offset - 280, packetsReceived: 100 * performance.now(), packetsLost: 0 })), (p) => seen.push(p));
		await run(monitor, 4);
		const last = seen.at(-1)!;
		expect(last.delayMs).toBeCloseTo(280, 0);
		expect(last.connection).toBe('good');
		expect(last.hint).toBeNull();
	});

	it('gives a hint once the connection has lost packets for two seconds running, and not for one bad second', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'performance'] });
		let lost = 0;
		let received = 0;
		let lossPerSecond = 0;
		const seen: Playback[] = [];
		const monitor = new PlaybackMonitor(
			fakePlayer(0, () => {
				received += 100;
				lost += lossPerSecond;
				return { packetsReceived: received, packetsLost: lost };
			}),
			(p) => seen.push(p)
		);
		monitor.start();
		await vi.advanceTimersByTimeAsync(2000);
		lossPerSecond = 20; // one bad second
		await vi.advanceTimersByTimeAsync(1000);
		lossPerSecond = 0;
		await vi.advanceTimersByTimeAsync(1000);
		expect(seen.every((p) => p.hint === null), 'one bad second is noise').toBe(true);
		lossPerSecond = 20;
		await vi.advanceTimersByTimeAsync(3000);
		expect(seen.at(-1)).toMatchObject({ connection: 'bad', hint: expect.stringContaining('struggling') });
		lossPerSecond = 4;
		await vi.advanceTimersByTimeAsync(2000);
		expect(seen.at(-1)?.connection).toBe('weak');
		lossPerSecond = 0;
		await vi.advanceTimersByTimeAsync(1000);
		expect(seen.at(-1)).toMatchObject({ connection: 'good', hint: null });
		monitor.stop();
	});
});
