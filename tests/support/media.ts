import type { RtpParameters } from 'mediasoup/node/lib/RtpParameters';

/** RTP parameters a sender would offer for a VP8 video track (no packets need to flow for signaling). */
export function vp8Parameters(ssrc = 11111111): RtpParameters {
	return {
		codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'ccm', parameter: 'fir' }] }],
		encodings: [{ ssrc }]
	};
}

export function opusParameters(ssrc = 22222222): RtpParameters {
	return {
		codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
		encodings: [{ ssrc }]
	};
}

/** Resolves when `check` passes, or fails with `what` after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error(`timed out after ${ms} ms waiting until ${what}`);
}
