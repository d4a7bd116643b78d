import type { Page } from 'playwright-core';

export type ReceivedMedia = { videoWidth: number; framesDecoded: number; audioPackets: number };

/** What the page's receiving peer connections have decoded so far (read from getStats in the page). */
export async function receivedMedia(page: Page, videoSelector = '[data-testid="player"]'): Promise<ReceivedMedia> {
	return page.evaluate(async (selector) => {
		const video = document.querySelector<HTMLVideoElement>(selector);
		const pcs = (window as unknown as { __gigstagePeerConnections?: RTCPeerConnection[] }).__gigstagePeerConnections ?? [];
		let framesDecoded = 0;
		let audioPackets = 0;
		for (const pc of pcs) {
			const stats = await pc.getStats();
			stats.forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
				if (s.type !== 'inbound-rtp') return;
				if (s.kind === 'video') framesDecoded += s.framesDecoded ?? 0;
				if (s.kind === 'audio') audioPackets += s.packetsReceived ?? 0;
			});
		}
		return { videoWidth: video?.videoWidth ?? 0, framesDecoded, audioPackets };
	}, videoSelector);
}

/** Keeps a list of the page's RTCPeerConnections so tests can read their stats. */
export const TRACK_PEER_CONNECTIONS = `(() => {
	const Native = window.RTCPeerConnection;
	window.__gigstagePeerConnections = [];
	window.RTCPeerConnection = class extends Native {
		constructor(...args) { super(...args); window.__gigstagePeerConnections.push(this); }
	};
})();`;

/** How many received video streams have decoded frames, and audio streams have packets: one per track that reached the page. */
export async function liveStreams(page: Page): Promise<{ video: number; audio: number }> {
	return page.evaluate(async () => {
		const pcs = (window as unknown as { __gigstagePeerConnections?: RTCPeerConnection[] }).__gigstagePeerConnections ?? [];
		const counts = { video: 0, audio: 0 };
		for (const pc of pcs) {
			const stats = await pc.getStats();
			stats.forEach((s: { type: string; kind?: string; framesDecoded?: number; packetsReceived?: number }) => {
				if (s.type !== 'inbound-rtp') return;
				if (s.kind === 'video' && (s.framesDecoded ?? 0) > 0) counts.video++;
				if (s.kind === 'audio' && (s.packetsReceived ?? 0) > 0) counts.audio++;
			});
		}
		return counts;
	});
}
