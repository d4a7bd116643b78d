import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import type { Netns } from './netns.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export type ChromiumOptions = {
	/** How camera, microphone and screen prompts are answered (default: allowed). */
	mediaPrompts?: 'allow' | 'deny';
	/** The autoplay policy (default: sound may start without a click). */
	autoplay?: 'free' | 'needs-gesture';
	args?: string[];
	/**
	 * Run inside this network namespace, as a plain Chromium: no loopback flag, so it reaches the
	 * server the way a person's browser does, through the media address the server announces.
	 */
	netns?: Netns;
};

/**
 * Debian's Chromium with a fake camera (a moving test pattern), microphone (a beep) and screen.
 * Test servers on the machine's own network keep media on 127.0.0.1, where Chromium gathers no ICE
 * candidate without --allow-loopback-in-peer-connection; in a namespace it runs without it.
 */
export async function launchChromium({ mediaPrompts = 'allow', autoplay = 'free', args = [], netns }: ChromiumOptions = {}): Promise<Browser> {
	const wrapper = netns ? inNamespace(netns, CHROMIUM_PATH) : undefined;
	const browser = await chromium.launch({
		executablePath: wrapper ?? CHROMIUM_PATH,
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
			...(netns ? [] : ['--allow-loopback-in-peer-connection']),
			...(mediaPrompts === 'allow' ? ['--use-fake-ui-for-media-stream', '--auto-select-desktop-capture-source=Entire screen'] : ['--deny-permission-prompts']),
			`--autoplay-policy=${autoplay === 'free' ? 'no-user-gesture-required' : 'document-user-activation-required'}`,
			...args
		]
	}).finally(() => wrapper && rmSync(path.dirname(wrapper), { recursive: true, force: true }));
	return reportingCspViolations(browser);
}

/** An executable that starts `binary` inside the namespace, with the arguments (and pipes) it is given. */
function inNamespace(netns: Netns, binary: string): string {
	const script = path.join(mkdtempSync(path.join(os.tmpdir(), 'gigstage-netns-')), 'chromium');
	writeFileSync(script, `#!/bin/sh\nexec ${netns.command([binary]).join(' ')} "$@"\n`);
	chmodSync(script, 0o755);
	return script;
}

// Pages run under the site's Content-Security-Policy: anything it blocks is a bug the test must
// show. Chromium logs every violation to the page's console ("… violates the following Content
// Security Policy directive …"); tests/support/csp-guard.ts fails the test that saw one.
const VIOLATIONS = Symbol.for('gigstage.cspViolations');
const violations = (): string[] => ((globalThis as Record<symbol, string[]>)[VIOLATIONS] ??= []);

/** The CSP violations the browsers of this test file reported since the last call. */
export function takeCspViolations(): string[] {
	return violations().splice(0);
}

function reportingCspViolations(browser: Browser): Browser {
	const newContext = browser.newContext.bind(browser);
	browser.newContext = async (...options: Parameters<Browser['newContext']>): Promise<BrowserContext> => {
		const context = await newContext(...options);
		context.on('console', (message) => {
			if (/Content Security Policy/i.test(message.text())) violations().push(`${message.page()?.url() ?? 'a page'}: ${message.text()}`);
		});
		return context;
	};
	return browser;
}
