/** The simulcast layers every published camera or screen is sent in: 1/4, 1/2 and full size. */
export const SIMULCAST_ENCODINGS: RTCRtpEncodingParameters[] = [
	{ rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
	{ rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 700_000 },
	{ rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 2_000_000 }
];

/**
 * The smallest simulcast layer that still fills a player of this height on this screen
 * (720p source: 180p, 360p, 720p). mediasoup drops below it by itself when bandwidth is short.
 */
export function spatialLayerFor(playerHeightCss: number, devicePixelRatio = 1, sourceHeight = 720): number {
	const needed = playerHeightCss * devicePixelRatio;
	for (let layer = 0; layer < SIMULCAST_ENCODINGS.length; layer++) {
		const scale = SIMULCAST_ENCODINGS[layer]!.scaleResolutionDownBy ?? 1;
		if (sourceHeight / scale >= needed * 0.9) return layer;
	}
	return SIMULCAST_ENCODINGS.length - 1;
}
