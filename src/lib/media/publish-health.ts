/**
 * The creator's health panel, from the publishing connection's getStats(): what leaves the
 * browser, how the network treats it, and plain-words warnings when it struggles.
 */

export type PublishHealth = {
	/** Upload, all layers and tracks together. */
	kbps: number | null;
	/** The biggest layer the browser sends now (it drops layers when the upload or the CPU cannot keep up). */
	width: number | null;
	height: number | null;
	fps: number | null;
	/** Simulcast layers actually being sent, of the three. */
	activeLayers: number;
	/** Share of packets lost on the way to the server, 0..1, as the server reports it back. */
	loss: number | null;
	/** Round trip to the server. */
	rttMs: number | null;
	/** Why the browser sends less than asked: 'bandwidth', 'cpu', or null. */
	limitedBy: 'bandwidth' | 'cpu' | null;
};

type Stat = Record<string, unknown> & { type: string; id: string };

/** Reads one sample; `kbps` comes from the caller's byte meter. */
export function readPublishHealth(report: RTCStatsReport, kbps: number | null): PublishHealth {
	const stats: Stat[] = [];
	report.forEach((s: Stat) => stats.push(s));
	const video = stats.filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
	// A layer is active when it is sending frames now.
	const active = video.filter((s) => num(s.framesPerSecond) > 0 && num(s.frameWidth) > 0);
	const top = active.reduce<Stat | null>((best, s) => (!best || num(s.frameWidth) > num(best.frameWidth) ? s : best), null);
	const limits = new Set(video.map((s) => s.qualityLimitationReason).filter((r) => r === 'bandwidth' || r === 'cpu'));
	const remote = stats.filter((s) => s.type === 'remote-inbound-rtp');
	const lossValues = remote.map((s) => s.fractionLost).filter((f): f is number => typeof f === 'number');
	const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded') ?? stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded');
	const rtt = typeof pair?.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : remote.map((s) => s.roundTripTime).find((r): r is number => typeof r === 'number');
	return {
		kbps,
		width: top ? num(top.frameWidth) : null,
		height: top ? num(top.frameHeight) : null,
		fps: top ? Math.round(num(top.framesPerSecond)) : null,
		activeLayers: active.length,
		loss: lossValues.length ? Math.max(...lossValues) : null,
		rttMs: rtt === undefined ? null : Math.round(rtt * 1000),
		limitedBy: limits.has('bandwidth') ? 'bandwidth' : limits.has('cpu') ? 'cpu' : null
	};
}

export type HealthWarning = { level: 'warn' | 'error'; text: string };

/** What a creator should know about their stream, in plain words; nothing when all is well. */
export function healthWarnings(health: PublishHealth, sentLayers = 3): HealthWarning[] {
	const warnings: HealthWarning[] = [];
	if (health.limitedBy === 'bandwidth' || (health.activeLayers > 0 && health.activeLayers < sentLayers && health.limitedBy !== 'cpu')) {
		warnings.push({ level: 'warn', text: `Your upload is struggling: viewers get the ${health.activeLayers <= 1 ? 'low' : 'medium'} quality layer. Close other uploads, or move closer to the Wi-Fi.` });
	}
	if (health.limitedBy === 'cpu') warnings.push({ level: 'warn', text: 'Your computer is too busy to encode full quality: close other programs or tabs.' });
	if (health.loss !== null && health.loss > 0.05) warnings.push({ level: 'error', text: `${Math.round(health.loss * 100)} % of your packets are lost on the way: viewers may see stutters.` });
	if (health.rttMs !== null && health.rttMs > 400) warnings.push({ level: 'warn', text: `Your connection to the server is slow (${health.rttMs} ms round trip).` });
	return warnings;
}

function num(value: unknown): number {
	return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
