import type { VideoPlan } from './video-plan.js';

export const PAYLOAD = { opus: 100, vp8: 101, h264: 102 } as const;

export type RtpTarget = { port: number; ssrc: number };

export type BridgeInput = {
	video: VideoPlan;
	audio: boolean;
};

/**
 * What a re-encode produces at most, whatever arrives: the long side at 1280 (720p landscape,
 * 720×1280 portrait) and 30 frames a second. OBS's defaults (1080p60) re-encoded as they are
 * cost this 2-core machine ~75 % of a core and could not keep up; capped, ~35-50 % (bench:rtmp).
 */
export const REENCODE_MAX_LONG_SIDE = 1280;
export const REENCODE_MAX_FPS = 30;

// Packets small enough for any path with TURN/TCP overhead, as browsers send.
const RTP_PACKET_SIZE = 1200;
const VP8_BITRATE = '2500k';
// The publisher's FLV timestamps are whole milliseconds, so AAC's 1024-sample frames arrive 21 or
// 22 ms apart and Opus packets timed from them step 952, 960 or 968 samples: browsers discard the
// overlaps and conceal the holes (a glitch every ~60 ms). Counting samples instead (aresample's
// output timestamps follow the samples) gives every packet 960; `async` with a 20 ms threshold
// pads or trims only a real gap or overlap (an encoder that dropped audio), so sound stays with
// the picture.
const AUDIO_RETIMING = 'aresample=async=1:min_hard_comp=0.020';

/**
 * ffmpeg's arguments for one track of a bridge: read the stream as FLV from stdin (no URL, port
 * or secret on the command line), write that track as RTP. Sound and picture run in separate
 * ffmpeg processes, so a re-encode that falls behind never holds the sound up.
 */
export function trackArgs(kind: 'video' | 'audio', input: BridgeInput, target: RtpTarget): string[] {
	// A short probe starts the bridge in ~0.3 s; -fflags nobuffer would lose the first keyframe.
	const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-analyzeduration', '100000', '-f', 'flv', '-i', 'pipe:0'];
	if (kind === 'audio') {
		args.push('-map', '0:a:0', '-af', AUDIO_RETIMING, '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '128k');
		return [...args, ...rtpOut(PAYLOAD.opus, target)];
	}
	args.push('-map', '0:v:0');
	if (input.video.mode === 'passthrough') {
		// OBS puts SPS/PPS only in the FLV sequence header; mediasoup spots H.264 keyframes by an in-band SPS.
		args.push('-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb');
		return [...args, ...rtpOut(PAYLOAD.h264, target)];
	}
	// vfr: frames go out with their own times; a gap (a skipped backlog) stays a gap instead of
	// being filled with copies of the last frame, which would only add work and delay.
	args.push('-vf', reencodeFilter(), '-fps_mode', 'vfr');
	args.push(
		'-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-b:v', VP8_BITRATE, '-maxrate', VP8_BITRATE, '-bufsize', '1000k',
		'-lag-in-frames', '0', '-auto-alt-ref', '0', '-error-resilient', '1', '-pix_fmt', 'yuv420p',
		// One thread: libvpx's threads wait for each other by spinning, which on a busy machine burned
		// ~6x the CPU (15.8 s instead of 2.6 s for 8 s of 720p30) and fell behind real time: the frozen
		// re-encoded picture. One thread keeps up at ~33 % of a core, 1080p60 decoding included.
		'-threads', '1',
		// A keyframe every second: a viewer who joins waits at most that long for a picture.
		'-force_key_frames', 'expr:gte(t,n_forced*1)'
	);
	return [...args, ...rtpOut(PAYLOAD.vp8, target)];
}

/**
 * Drops frames that come sooner than a 30 fps interval after the last one kept (60 fps in, 30
 * out; 30 or less, all kept), then scales down to the long side cap, keeping the shape, even
 * sizes. Dropping first: the scaler and encoder never see the frames that go. Unlike the `fps`
 * filter, it never makes up frames to fill a gap.
 */
export function reencodeFilter(): string {
	const max = REENCODE_MAX_LONG_SIDE;
	// 3 ms short of the interval: timestamps in whole ms put 30 fps frames 33 or 34 ms apart.
	const interval = (1 / REENCODE_MAX_FPS - 0.003).toFixed(4);
	return `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${interval})',scale=w='if(gte(iw,ih),min(${max},iw),-2)':h='if(gte(iw,ih),-2,min(${max},ih))':flags=bilinear`;
}

/** One RTP output. With rtcpMux + comedia, ffmpeg's RTCP would come from another port and mediasoup would lock onto it. */
function rtpOut(payloadType: number, target: RtpTarget): string[] {
	return ['-f', 'rtp', '-payload_type', String(payloadType), '-ssrc', String(target.ssrc), '-rtpflags', 'skip_rtcp', `rtp://127.0.0.1:${target.port}?pkt_size=${RTP_PACKET_SIZE}`];
}
