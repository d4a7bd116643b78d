/**
 * A publisher whose picture and sound both carry the wall clock, and a viewer that reads both
 * back: the painted clock (frame-clock.ts) on every frame, and a 1 kHz beep in the first 50 ms of
 * every wall-clock second, timed where the page plays it. Picture latency minus sound latency is
 * how far the viewer's sound and picture are apart (lip sync), and shows any drift the bridge's
 * re-timing of the sound would cause.
 *
 * Both come from ONE ffmpeg lavfi graph whose timestamps are the wall clock (minus a whole-second
 * base): ffmpeg shifts each input to start at zero, so one input keeps the two aligned exactly.
 */
import type { Page } from 'playwright-core';
import { withTimeout } from './frame-clock.js';

type BeepWindow = { benchBeeps?: number[] };

/** ffmpeg input arguments: 1280x720 painted clock at 30 fps, and 48 kHz sound beeping on each second. */
export function clockAndBeepInput(now = Date.now()): string[] {
	const baseMs = Math.floor(now / 1000) * 1000;
	const baseUs = baseMs * 1000;
	const video = [
		'color=c=black:s=8x4:r=30', 'realtime', 'settb=1/1000', `setpts=(RTCTIME-${baseUs})/1000`, 'format=yuv444p',
		`geq=lum='st(0,mod(floor(T*1000)+${baseMs},16777216));st(1,ld(0)*256+255-mod(ld(0),256));if(mod(floor(ld(1)/pow(2,31-(Y*8+X))),2),235,16)':cb=128:cr=128`,
		// Temporal noise on top, so x264 has real work and frames are as big as a camera's.
		'scale=1280:720:flags=neighbor', 'noise=alls=12:allf=t', 'format=yuv420p[out0]'
	].join(',');
	// 5 ms frames, paced and stamped by the clock; `volume` opens for the first 50 ms of each second.
	const audio = ['sine=frequency=1000:sample_rate=48000:samples_per_frame=240', 'arealtime', `asetpts=(RTCTIME-${baseUs})/1000000/TB`, "volume=volume='if(lt(mod(t\\,1)\\,0.05)\\,0.8\\,0)':eval=frame[out1]"].join(',');
	return ['-f', 'lavfi', '-i', `${video};${audio}`];
}

/** Runs in the watch page: notes the wall-clock time at which each beep starts playing. */
export function startBeepCollector(): void {
	const video = document.querySelector<HTMLVideoElement>('[data-testid="player"]');
	const stream = video?.srcObject as MediaStream | null;
	const track = stream?.getAudioTracks()[0];
	if (!track) throw new Error('the player has no sound to listen to');
	const ctx = new AudioContext();
	const source = ctx.createMediaStreamSource(new MediaStream([track]));
	const size = 256;
	// A ScriptProcessor, not a worklet: nothing to load, so no page policy stands in the way.
	const node = ctx.createScriptProcessor(size, 1, 1);
	const beeps: number[] = [];
	(window as BeepWindow).benchBeeps = beeps;
	let quietSince = 0;
	node.onaudioprocess = (event) => {
		const input = event.inputBuffer.getChannelData(0);
		for (let i = 0; i < input.length; i++) {
			const at = event.playbackTime - (size - i) / ctx.sampleRate; // when this sample plays, in context time
			if (Math.abs(input[i]!) > 0.05) {
				if (quietSince && at - quietSince > 0.3) {
					const { contextTime, performanceTime } = ctx.getOutputTimestamp();
					beeps.push(performance.timeOrigin + performanceTime! + (at - contextTime!) * 1000);
				}
				quietSince = 0;
			} else if (!quietSince) quietSince = at;
		}
	};
	source.connect(node);
	node.connect(ctx.destination);
	void ctx.resume();
}

/** The beeps heard so far, as wall-clock times. */
export function beepsHeard(page: Page): Promise<number[]> {
	return withTimeout('fetch the beeps', 5000, page.evaluate(() => (window as BeepWindow).benchBeeps ?? []));
}

/** Each beep's latency: from the whole second it started on to when the page played it. */
export function beepLatencies(beeps: number[]): number[] {
	return beeps.map((at) => at - Math.floor(at / 1000) * 1000).filter((ms) => ms < 900);
}
