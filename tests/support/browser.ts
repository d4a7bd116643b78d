import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type ChromiumOptions = {
	/** How camera, microphone and screen prompts are answered (default: allowed). */
	mediaPrompts?: 'allow' | 'deny';
	/** The autoplay policy (default: sound may start without a click). */
	autoplay?: 'free' | 'needs-gesture';
	args?: string[];
};

/**
 * Debian's Chromium with a fake camera (a moving test pattern), microphone (a beep) and screen.
 * Without --allow-loopback-in-peer-connection Chromium gathers no ICE candidate on 127.0.0.1 and
 * nothing connects.
 */
export function launchChromium({ mediaPrompts = 'allow', autoplay = 'free', args = [] }: ChromiumOptions = {}): Promise<Browser> {
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
			'--allow-loopback-in-peer-connection',
			...(mediaPrompts === 'allow' ? ['--use-fake-ui-for-media-stream', '--auto-select-desktop-capture-source=Entire screen'] : ['--deny-permission-prompts']),
			`--autoplay-policy=${autoplay === 'free' ? 'no-user-gesture-required' : 'document-user-activation-required'}`,
			...args
		]
	});
}
