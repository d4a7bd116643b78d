import type { VideoPlan } from './video-plan.js';

export const PAYLOAD = { opus: 100, vp8: 101, h264: 102 } as const;

export type RtpTarget = { port: number; ssrc: number };

export type BridgeInput = {
	/** Where node-media-server plays the stream to us (rtmp://127.0.0.1/…). */
	url: string;
	video: VideoPlan;
	audio: boolean;
};

// Packets small enough for any path with TURN/TCP overhead, as browsers send.
const RTP_PACKET_SIZE = 1200;
const VP8_BITRATE = '2500k';

/**
 * ffmpeg's arguments for one bridge: read the RTMP stream once, write RTP per track. Each choice
 * here was needed to get a picture to viewers (see the comments).
 */
export function bridgeArgs(input: BridgeInput, targets: { video?: RtpTarget; audio?: RtpTarget }): string[] {
	const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning'];
	// A short probe starts the bridge in ~0.3 s; -fflags nobuffer would lose the first keyframe.
	// rw_timeout ends a read that stalls (a blocked RTMP read otherwise ignores the first SIGTERM).
	args.push('-analyzeduration', '100000', '-rw_timeout', '5000000', '-i', input.url);
	if (targets.video && input.video.mode !== 'none') {
		args.push('-map', '0:v:0');
		if (input.video.mode === 'passthrough') {
			// OBS puts SPS/PPS only in the FLV sequence header; mediasoup spots H.264 keyframes by an in-band SPS.
			args.push('-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb');
			args.push(...rtpOut(PAYLOAD.h264, targets.video));
		} else {
			args.push(
				'-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-b:v', VP8_BITRATE, '-maxrate', VP8_BITRATE, '-bufsize', '1000k',
				'-lag-in-frames', '0', '-auto-alt-ref', '0', '-error-resilient', '1', '-threads', '2', '-pix_fmt', 'yuv420p',
				// A keyframe every second: a viewer who joins waits at most that long for a picture.
				'-force_key_frames', 'expr:gte(t,n_forced*1)'
			);
			args.push(...rtpOut(PAYLOAD.vp8, targets.video));
		}
	}
	if (targets.audio && input.audio) {
		args.push('-map', '0:a:0', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '128k');
		args.push(...rtpOut(PAYLOAD.opus, targets.audio));
	}
	return args;
}

/** One RTP output. With rtcpMux + comedia, ffmpeg's RTCP would come from another port and mediasoup would lock onto it. */
function rtpOut(payloadType: number, target: RtpTarget): string[] {
	return ['-f', 'rtp', '-payload_type', String(payloadType), '-ssrc', String(target.ssrc), '-rtpflags', 'skip_rtcp', `rtp://127.0.0.1:${target.port}?pkt_size=${RTP_PACKET_SIZE}`];
}
