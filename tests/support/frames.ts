import type { Page } from 'playwright-core';

export type ReceivedMedia = { videoWidth: number; framesDecoded: number; audioPackets: number };

/** What the page's receiving peer connections have decoded so far (read from getStats in the page). */
export function receivedMedia(page: Page, videoSelector = '[data-testid="player"]'): Promise<ReceivedMedia> {
	return page.evaluate(receivedMediaInPage, videoSelector);
}

/** receivedMedia's reading, run in the page (Chromium or Firefox). */
export async function receivedMediaInPage(selector: string): Promise<ReceivedMedia> {
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

/**
 * Counts the frames the page's player actually paints (requestVideoFrameCallback) and when the first
 * one came, in the page's performance clock. Works in Firefox, whose getVideoPlaybackQuality()
 * stays 0 when headless.
 */
export const COUNT_PAINTED_FRAMES = `(() => {
	const painted = (window.__gigstagePainted = { frames: 0, first: null });
	const watched = new WeakSet();
	const watch = (video) => {
		if (watched.has(video)) return;
		watched.add(video);
		const tick = (now) => {
			painted.frames++;
			if (painted.first === null) painted.first = now;
			video.requestVideoFrameCallback(tick);
		};
		video.requestVideoFrameCallback(tick);
	};
	new MutationObserver(() => document.querySelectorAll('video[data-testid="player"]').forEach(watch)).observe(document, { childList: true, subtree: true });
})();`;

/** What COUNT_PAINTED_FRAMES counted, and the first frame's time after the player's first consume request (ms; null before either). */
export type PaintedFrames = { frames: number; firstFrameMs: number | null };

/** Reads COUNT_PAINTED_FRAMES in the page: pass the function to page.evaluate (Chromium or Firefox). */
export function readPaintedFrames(): PaintedFrames {
	const painted = (window as unknown as { __gigstagePainted?: { frames: number; first: number | null } }).__gigstagePainted ?? { frames: 0, first: null };
	const consume = performance.getEntriesByName('gigstage:consume-request')[0];
	return { frames: painted.frames, firstFrameMs: painted.first !== null && consume ? Math.round(painted.first - consume.startTime) : null };
}
