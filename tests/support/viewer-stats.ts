import type { Page } from 'playwright-core';

/** What a watch page's receivers report (inbound-rtp, summed over its peer connections). */
export type ViewerStats = {
	at: number;
	video: { framesDecoded: number; freezeCount: number; totalFreezesDuration: number; frameWidth: number; frameHeight: number };
	audio: {
		totalSamplesReceived: number;
		concealedSamples: number;
		concealmentEvents: number;
		insertedSamplesForDeceleration: number;
		removedSamplesForAcceleration: number;
		packetsReceived: number;
	};
};

/** Reads the page's receiving stats (the page must be opened with TRACK_PEER_CONNECTIONS, as openPage does). */
export function viewerStats(page: Page): Promise<ViewerStats> {
	return page.evaluate(async () => {
		const pcs = (window as unknown as { __gigstagePeerConnections?: RTCPeerConnection[] }).__gigstagePeerConnections ?? [];
		const out = {
			at: Date.now(),
			video: { framesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, frameWidth: 0, frameHeight: 0 },
			audio: { totalSamplesReceived: 0, concealedSamples: 0, concealmentEvents: 0, insertedSamplesForDeceleration: 0, removedSamplesForAcceleration: 0, packetsReceived: 0 }
		};
		for (const pc of pcs) {
			if (pc.connectionState === 'closed') continue;
			(await pc.getStats()).forEach((s: Record<string, unknown>) => {
				if (s.type !== 'inbound-rtp') return;
				const n = (key: string) => (typeof s[key] === 'number' ? (s[key] as number) : 0);
				if (s.kind === 'video') {
					for (const key of ['framesDecoded', 'freezeCount', 'totalFreezesDuration'] as const) out.video[key] += n(key);
					out.video.frameWidth = Math.max(out.video.frameWidth, n('frameWidth'));
					out.video.frameHeight = Math.max(out.video.frameHeight, n('frameHeight'));
				} else if (s.kind === 'audio') {
					for (const key of Object.keys(out.audio) as (keyof typeof out.audio)[]) out.audio[key] += n(key);
				}
			});
		}
		return out;
	});
}

/** What happened between two readings: frame rate, freezes, and the share of concealed and time-stretched sound. */
export function between(a: ViewerStats, b: ViewerStats) {
	const seconds = (b.at - a.at) / 1000;
	const samples = b.audio.totalSamplesReceived - a.audio.totalSamplesReceived;
	const share = (key: keyof ViewerStats['audio']) => (samples > 0 ? (b.audio[key] - a.audio[key]) / samples : 0);
	return {
		seconds,
		fps: (b.video.framesDecoded - a.video.framesDecoded) / seconds,
		freezes: b.video.freezeCount - a.video.freezeCount,
		freezeSeconds: b.video.totalFreezesDuration - a.video.totalFreezesDuration,
		size: `${b.video.frameWidth}x${b.video.frameHeight}`,
		audioSamples: samples,
		concealed: share('concealedSamples'),
		concealmentEvents: b.audio.concealmentEvents - a.audio.concealmentEvents,
		stretched: share('insertedSamplesForDeceleration') + share('removedSamplesForAcceleration')
	};
}
