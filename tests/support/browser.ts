import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's Chromium with a fake camera (a moving test pattern) and microphone (a beep), and
 * permission prompts answered yes. Without --allow-loopback-in-peer-connection Chromium gathers
 * no ICE candidate on 127.0.0.1 and nothing connects.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
	// Sound may start without a click unless a test asks for a stricter autoplay policy.
	const autoplay = extraArgs.some((a) => a.startsWith('--autoplay-policy=')) ? [] : ['--autoplay-policy=no-user-gesture-required'];
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream',
			'--allow-loopback-in-peer-connection',
			...autoplay,
			...extraArgs
		]
	});
}
