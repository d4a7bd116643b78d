import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type PublisherOptions = {
	/** x264 profile (default main, as the credentials page recommends). */
	profile?: 'baseline' | 'main' | 'high';
	/** B-frames (default 0, as the credentials page recommends). */
	bframes?: number;
	/** Keyframe interval in seconds (default 1). */
	keyframeSeconds?: number;
	size?: string;
	fps?: number;
	/** Replaces the test pattern (a lavfi graph); e.g. the benchmark's clock. */
	videoSource?: string;
	/** Replaces the tone (a lavfi graph); e.g. the benchmark's beeps. */
	audioSource?: string;
	bitrateKbps?: number;
	/** Send video (default true): false is an audio-only stream (a DJ set). */
	video?: boolean;
	audio?: boolean;
	/** x264's tune (default zerolatency); null is x264's own default, with lookahead and frame threads. */
	tune?: 'zerolatency' | null;
	preset?: string;
	/** x264 frame threads (default x264's choice); fixed when a test reads the encoder's delay. */
	threads?: number;
	/** Replaces every input (e.g. the benchmark's one lavfi graph with clock and beeps); paced by the graph itself. */
	inputArgs?: string[];
};

/** OBS's out-of-the-box settings: 1080p60, x264 veryfast High with 2 B-frames, no tune, CBR 6 Mbit/s, keyframes on x264's default 250 frames. */
export const OBS_DEFAULTS: PublisherOptions = { size: '1920x1080', fps: 60, profile: 'high', bframes: 2, tune: null, bitrateKbps: 6000, keyframeSeconds: 250 / 60 };
/** What the credentials page recommends: Main, no B-frames, zerolatency, 1 s keyframes, CBR. */
export const RECOMMENDED: PublisherOptions = { size: '1280x720', fps: 30, profile: 'main', bframes: 0, tune: 'zerolatency', bitrateKbps: 2500, keyframeSeconds: 1 };

export type RtmpPublisherProcess = {
	child: ChildProcess;
	/** ffmpeg's output so far (why it stopped, for failure messages). */
	output(): string;
	/** Resolves with ffmpeg's exit code. */
	exited: Promise<number | null>;
	/** Stops as OBS's "Stop Streaming" does: FCUnpublish, deleteStream, then the connection closes. */
	stop(): Promise<void>;
	/** The connection drops without a word (a crash, a network cut). */
	drop(): Promise<void>;
};

function encoderArgs(options: PublisherOptions): string[] {
	const { profile = 'main', bframes = 0, keyframeSeconds = 1, fps = 30, audio = true, video = true, tune = 'zerolatency', preset = 'veryfast' } = options;
	const bitrate = options.bitrateKbps ?? 1500;
	const args: string[] = [];
	if (video) {
		const keyint = String(Math.round(fps * keyframeSeconds));
		args.push('-c:v', 'libx264', '-preset', preset, ...(tune ? ['-tune', tune] : []), '-profile:v', profile, '-pix_fmt', 'yuv420p');
		args.push('-bf', String(bframes), '-g', keyint, '-keyint_min', keyint, '-sc_threshold', '0');
		// CBR with a one-second buffer, as OBS sets x264 up.
		args.push('-b:v', `${bitrate}k`, '-maxrate', `${bitrate}k`, '-bufsize', `${bitrate}k`);
		const params = [...(bframes > 0 && tune ? [`bframes=${bframes}`] : []), ...(options.threads ? [`threads=${options.threads}`] : [])];
		// zerolatency turns B-frames off; put them back when a test asks for them.
		if (params.length) args.push('-x264-params', params.join(':'));
	}
	if (audio) args.push('-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2');
	return args;
}

function sourceArgs(options: PublisherOptions, realtime: boolean): string[] {
	if (options.inputArgs) return options.inputArgs;
	const { size = '640x360', fps = 30, audio = true, video = true } = options;
	const re = realtime ? ['-re'] : [];
	const args: string[] = [];
	if (video) args.push(...re, '-f', 'lavfi', '-i', options.videoSource ?? `testsrc2=size=${size}:rate=${fps}`);
	if (audio) args.push(...re, '-f', 'lavfi', '-i', options.audioSource ?? 'sine=frequency=440:sample_rate=48000');
	return args;
}

/**
 * ffmpeg publishing a live test pattern and tone over RTMP the way OBS does: x264 (zerolatency,
 * the given profile and keyframe interval) and AAC, in real time.
 */
export function publishRtmp(url: string, options: PublisherOptions = {}): RtmpPublisherProcess {
	const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', ...sourceArgs(options, true), ...encoderArgs(options), '-f', 'flv', url];
	return run(process.env.FFMPEG_PATH ?? 'ffmpeg', args);
}

/**
 * A stream encoded once (cached across runs) and then sent in real time without encoding: a
 * test of what the server does with OBS's 1080p60 then does not share the two cores with the
 * publisher's own x264. `seconds` of it loop for as long as the publisher runs.
 */
export async function prepareClip(options: PublisherOptions, seconds = 8): Promise<string> {
	const args = [...sourceArgs(options, false), '-t', String(seconds), ...encoderArgs(options), '-f', 'flv'];
	const dir = path.join(os.tmpdir(), 'gigstage-rtmp-clips');
	const file = path.join(dir, `${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16)}.flv`);
	if (existsSync(file)) return file;
	mkdirSync(dir, { recursive: true });
	const partial = `${file}.${process.pid}.part`;
	const encoder = run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args, partial]);
	const code = await encoder.exited;
	if (code !== 0) throw new Error(`could not encode the test clip:\n${encoder.output()}`);
	renameSync(partial, file);
	return file;
}

/** Sends a prepared clip over RTMP in real time, looping, as a live encoder would. */
export function publishClip(url: string, clip: string): RtmpPublisherProcess {
	return run(process.env.FFMPEG_PATH ?? 'ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', url]);
}

/** GStreamer publishing over RTMP: `rtmpsink` (librtmp, the client family OBS uses) or `rtmp2sink`. */
export function publishGStreamer(url: string, sink: 'rtmpsink' | 'rtmp2sink', { audio = true, video = true } = {}): RtmpPublisherProcess {
	// librtmp takes its options inside the location; rtmp2sink takes the plain URL.
	const pipeline = ['flvmux', 'name=mux', 'streamable=true', '!', sink, sink === 'rtmpsink' ? `location=${url} live=1` : `location=${url}`];
	// x264enc with GStreamer's defaults: it negotiates 4:4:4 from the test source, so High 4:4:4 Predictive, with lookahead and B-frames.
	if (video) pipeline.push('videotestsrc', 'is-live=true', '!', 'video/x-raw,width=320,height=240,framerate=30/1', '!', 'x264enc', '!', 'h264parse', '!', 'queue', '!', 'mux.');
	if (audio) pipeline.push('audiotestsrc', 'is-live=true', 'wave=sine', '!', 'audio/x-raw,rate=48000,channels=2', '!', 'voaacenc', '!', 'aacparse', '!', 'queue', '!', 'mux.');
	return run('gst-launch-1.0', ['-e', '-q', ...pipeline]);
}

function run(command: string, args: string[]): RtmpPublisherProcess {
	const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
	let output = '';
	child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
	child.once('error', (err) => (output += `\n${err.message}`));
	const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
	const ended = () => child.exitCode !== null || child.signalCode !== null || child.pid === undefined;
	return {
		child,
		output: () => output,
		exited,
		async stop() {
			if (ended()) return;
			child.kill('SIGINT'); // ffmpeg and gst-launch -e finish the stream and unpublish cleanly
			const force = setTimeout(() => child.kill('SIGKILL'), 3000);
			await exited;
			clearTimeout(force);
		},
		async drop() {
			if (ended()) return;
			child.kill('SIGKILL');
			await exited;
		}
	};
}
