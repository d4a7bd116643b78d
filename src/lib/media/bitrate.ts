/** Turns successive byte counters from getStats() into a bitrate. */
export class BitrateMeter {
	private last: { bytes: number; at: number } | null = null;

	/** Feeds a byte total; returns kbit/s since the previous sample (null for the first). */
	sample(bytes: number, at: number): number | null {
		const prev = this.last;
		this.last = { bytes, at };
		if (!prev || at <= prev.at || bytes < prev.bytes) return null;
		return Math.round(((bytes - prev.bytes) * 8) / (at - prev.at));
	}
}

/** Sums one byte counter over all RTP stats of one type ('outbound-rtp' or 'inbound-rtp'). */
export function totalBytes(report: RTCStatsReport, type: 'outbound-rtp' | 'inbound-rtp'): number {
	let bytes = 0;
	report.forEach((s: { type: string; bytesSent?: number; bytesReceived?: number }) => {
		if (s.type === type) bytes += (type === 'outbound-rtp' ? s.bytesSent : s.bytesReceived) ?? 0;
	});
	return bytes;
}
