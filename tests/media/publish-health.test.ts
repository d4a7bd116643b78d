import { describe, expect, it } from 'vitest';
import { healthWarnings, readPublishHealth } from '../../src/lib/media/publish-health.js';

const report = (...stats: Record<string, unknown>[]) => new Map(stats.map((s, i) => [String(i), s])) as unknown as RTCStatsReport;
const layer = (width: number, fps: number, limit = 'none') => ({ type: 'outbound-rtp', kind: 'video', frameWidth: width, frameHeight: (width * 9) / 16, framesPerSecond: fps, qualityLimitationReason: limit });

describe('the creator’s stream health', () => {
	it('reads the biggest layer sent, loss and round trip from the publishing connection', () => {
		const health = readPublishHealth(
			report(layer(320, 30), layer(640, 30), layer(1280, 29.7), { type: 'remote-inbound-rtp', fractionLost: 0.01 }, { type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.042 }),
			2400
		);
		expect(health).toEqual({ kbps: 2400, width: 1280, height: 720, fps: 30, activeLayers: 3, loss: 0.01, rttMs: 42, limitedBy: null });
		expect(healthWarnings(health)).toEqual([]);
	});

	it('warns in plain words when the upload cannot carry every layer, the computer is too busy, or packets are lost', () => {
		const struggling = readPublishHealth(report(layer(320, 30, 'bandwidth'), layer(640, 0, 'bandwidth'), layer(1280, 0, 'bandwidth')), 180);
		expect(healthWarnings(struggling).map((w) => w.text)).toEqual([expect.stringContaining('Your upload is struggling: viewers get the low quality layer')]);
		const busy = readPublishHealth(report(layer(640, 15, 'cpu'), layer(320, 15, 'cpu')), 500);
		expect(healthWarnings(busy).map((w) => w.text)).toEqual([expect.stringContaining('too busy to encode')]);
		const lossy = readPublishHealth(report(layer(1280, 30), layer(640, 30), layer(320, 30), { type: 'remote-inbound-rtp', fractionLost: 0.12 }), 2000);
		expect(healthWarnings(lossy)).toEqual([{ level: 'error', text: expect.stringContaining('12 % of your packets are lost') }]);
	});
});
