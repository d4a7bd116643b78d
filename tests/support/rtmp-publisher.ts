import { spawn, type ChildProcess } from 'node:child_process';

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
	bitrateKbps?: number;
	audio?: boolean;
};

export type RtmpPublisherProcess = {
	child: ChildProcess;
	/** ffmpeg's output so far (why it stopped, for failure messages). */
	output(): string;
	/** Resolves with ffmpeg's exit code. */
	exited: Promise<number | null>;
	stop(): Promise<void>;
};

/**
 * ffmpeg publishing a live test pattern and tone over RTMP the way OBS does: x264 (zerolatency,
 * the given profile and keyframe interval) and AAC, in real time.
 */
export function publishRtmp(url: string, options: PublisherOptions = {}): RtmpPublisherProcess {
	const { profile = 'main', bframes = 0, keyframeSeconds = 1, size = '640x360', fps = 30, audio = true } = options;
	const bitrate = options.bitrateKbps ?? 1500;
	const source = options.videoSource ?? `testsrc2=size=${size}:rate=${fps}`;
	const args = ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-re', '-f', 'lavfi', '-i', source];
	if (audio) args.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
	args.push(
		'-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', profile, '-pix_fmt', 'yuv420p',
		'-bf', String(bframes), '-g', String(fps * keyframeSeconds), '-keyint_min', String(fps * keyframeSeconds), '-sc_threshold', '0',
		// CBR with a one-second buffer, as OBS sets x264 up.
		'-b:v', `${bitrate}k`, '-maxrate', `${bitrate}k`, '-bufsize', `${bitrate}k`
	);
	// zerolatency turns B-frames off; put them back when a test asks for them.
	if (bframes > 0) args.push('-x264-params', `bframes=${bframes}`);
	if (audio) args.push('-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2');
	args.push('-f', 'flv', url);
	const child = spawn(process.env.FFMPEG_PATH ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
	let output = '';
	child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		child,
		output: () => output,
		exited,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGINT'); // ffmpeg finishes the FLV stream and closes the connection cleanly
			const force = setTimeout(() => child.kill('SIGKILL'), 3000);
			await exited;
			clearTimeout(force);
		}
	};
}
