import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BidiSession } from './bidi.js';
import { stopOnExit } from './children.js';
import type { Person } from './fixtures.js';
import type { Netns } from './netns.js';
import { COUNT_PAINTED_FRAMES, TRACK_PEER_CONNECTIONS } from './frames.js';
import { DESKTOP } from './pages.js';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * A fresh profile: fake camera and microphone without prompts, sound without a gesture, and none of
 * Firefox's own traffic (updates, telemetry, remote settings, safe browsing, captive-portal checks).
 */
const PREFS: Record<string, string | number | boolean> = {
	'media.navigator.streams.fake': true,
	'media.navigator.permission.disabled': true,
	'media.autoplay.default': 0,
	'media.autoplay.blocking_policy': 0,
	'remote.active-protocols': 1, // WebDriver BiDi only
	'app.update.disabledForTesting': true,
	'app.normandy.enabled': false,
	'app.shield.optoutstudies.enabled': false,
	'browser.shell.checkDefaultBrowser': false,
	'browser.startup.homepage_override.mstone': 'ignore',
	'browser.startup.page': 0,
	'browser.aboutwelcome.enabled': false,
	'browser.newtabpage.enabled': false,
	'browser.safebrowsing.malware.enabled': false,
	'browser.safebrowsing.phishing.enabled': false,
	'browser.safebrowsing.downloads.enabled': false,
	'browser.safebrowsing.update.enabled': false,
	'browser.search.update': false,
	'browser.region.update.enabled': false,
	'browser.region.network.url': '',
	'captivedetect.canonicalURL': '',
	'datareporting.policy.dataSubmissionEnabled': false,
	'datareporting.healthreport.uploadEnabled': false,
	'dom.push.enabled': false,
	'extensions.update.enabled': false,
	'extensions.getAddons.cache.enabled': false,
	'extensions.systemAddon.update.enabled': false,
	'geo.provider.network.url': '',
	'identity.fxaccounts.enabled': false,
	'media.gmp-manager.updateEnabled': false,
	'messaging-system.rsexperimentloader.enabled': false,
	'network.captive-portal-service.enabled': false,
	'network.connectivity-service.enabled': false,
	'network.dns.disablePrefetch': true,
	'network.prefetch-next': false,
	'network.trr.mode': 5,
	'services.settings.server': 'data:,',
	'toolkit.telemetry.enabled': false,
	'toolkit.telemetry.unified': false,
	'toolkit.telemetry.server': 'data:,',
	'toolkit.startup.max_resumed_crashes': -1
};

// Inside a namespace Firefox's WebDriver BiDi port is on that namespace's loopback: this relay,
// started in the namespace, carries one Unix socket connection per WebSocket to it.
const RELAY = `const net = require('node:net');
const [socketPath, port] = process.argv.slice(1);
net.createServer((c) => {
	const t = net.connect(Number(port), '127.0.0.1');
	c.pipe(t); t.pipe(c);
	c.on('error', () => t.destroy()); t.on('error', () => c.destroy());
}).listen(socketPath, () => console.log('relay ready'));`;

// esbuild names functions with a __name helper the page does not have; functions sent to the page
// may carry it.
const PAGE_HELPERS = `globalThis.__name = (f) => f;`;

export type FirefoxPageOptions = { person?: Person; viewport?: { width: number; height: number } };

/** Debian's firefox-esr, headless with a fresh profile, driven over WebDriver BiDi (its own `--remote-debugging-port`). */
export class Firefox {
	private constructor(
		readonly bidi: BidiSession,
		private readonly processes: ChildProcess[],
		private readonly profile: string,
		/** Console errors, per browsing context. */
		private readonly errors: Map<string, string[]>
	) {}

	/** `prefs` are added to the profile's. */
	static async launch(options: { netns?: Netns; prefs?: typeof PREFS } = {}): Promise<Firefox> {
		const profile = mkdtempSync(path.join(os.tmpdir(), 'gigstage-firefox-'));
		writeFileSync(path.join(profile, 'user.js'), Object.entries({ ...PREFS, ...options.prefs }).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
		const argv = [FIREFOX_PATH, '--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0'];
		const [command, ...args] = options.netns ? options.netns.command(argv) : argv;
		const firefox = stopOnExit(spawn(command!, args, { env: { ...process.env, MOZ_HEADLESS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
		const processes = [firefox];
		try {
			const url = await waitForLine(firefox, /WebDriver BiDi listening on (ws:\/\/\S+)/, 'Firefox to open its WebDriver BiDi port');
			let connectUrl = `${url}/session`;
			if (options.netns) {
				const socketPath = path.join(profile, 'bidi.sock');
				const [relayCommand, ...relayArgs] = options.netns.command([process.execPath, '-e', RELAY, socketPath, new URL(url).port]);
				const relay = stopOnExit(spawn(relayCommand!, relayArgs, { stdio: ['ignore', 'pipe', 'pipe'] }));
				processes.push(relay);
				await waitForLine(relay, /relay ready/, 'the BiDi relay to listen');
				connectUrl = `ws+unix://${socketPath}:/session`;
			}
			const bidi = await BidiSession.connect(connectUrl, new URL(url).host);
			const errors = new Map<string, string[]>();
			bidi.on('log.entryAdded', (entry: { level: string; text: string; source: { context?: string } }) => {
				if (entry.level === 'error' && entry.source.context) errors.set(entry.source.context, [...(errors.get(entry.source.context) ?? []), entry.text]);
			});
			await bidi.send('session.subscribe', { events: ['log.entryAdded'] });
			for (const script of [PAGE_HELPERS, TRACK_PEER_CONNECTIONS, COUNT_PAINTED_FRAMES]) {
				await bidi.send('script.addPreloadScript', { functionDeclaration: `() => { ${script} }` });
			}
			return new Firefox(bidi, processes, profile, errors);
		} catch (error) {
			for (const p of processes) p.kill('SIGKILL');
			rmSync(profile, { recursive: true, force: true });
			throw error;
		}
	}

	/** A tab in a fresh user context (its own cookies), logged in as `person` if given, at `url`. */
	async newPage(url: string, options: FirefoxPageOptions = {}): Promise<FirefoxPage> {
		const { userContext } = await this.bidi.send<{ userContext: string }>('browser.createUserContext');
		if (options.person) {
			await this.bidi.send('storage.setCookie', {
				cookie: { name: 'gs_session', value: { type: 'string', value: options.person.token }, domain: new URL(url).hostname, path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
				partition: { type: 'storageKey', userContext }
			});
		}
		const { context } = await this.bidi.send<{ context: string }>('browsingContext.create', { type: 'tab', userContext });
		const page = new FirefoxPage(this.bidi, context, userContext, () => this.errors.get(context) ?? []);
		await page.setViewport(options.viewport ?? DESKTOP);
		await page.goto(url);
		return page;
	}

	async close(): Promise<void> {
		await this.bidi.send('browser.close').catch(() => {});
		const [firefox, ...others] = this.processes;
		for (const p of others) p.kill('SIGTERM');
		await exited(firefox!, 10_000);
		rmSync(this.profile, { recursive: true, force: true });
	}
}

/** One Firefox tab. */
export class FirefoxPage {
	constructor(
		private readonly bidi: BidiSession,
		readonly context: string,
		private readonly userContext: string,
		/** What the page logged as console errors so far. */
		readonly consoleErrors: () => string[]
	) {}

	async goto(url: string): Promise<void> {
		await this.bidi.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
	}

	async setViewport(viewport: { width: number; height: number }): Promise<void> {
		await this.bidi.send('browsingContext.setViewport', { context: this.context, viewport });
	}

	/**
	 * Runs `fn(arg)` in the page (as if the person had just clicked: it has user activation) and
	 * returns its result, which must survive JSON.
	 */
	async evaluate<T, A = null>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T> {
		const answer = await this.bidi.send<{ type: string; result?: { value: string }; exceptionDetails?: { text: string } }>('script.callFunction', {
			functionDeclaration: `async (json) => JSON.stringify((await (${fn.toString()})(JSON.parse(json))) ?? null)`,
			arguments: [{ type: 'string', value: JSON.stringify(arg ?? null) }],
			target: { context: this.context },
			awaitPromise: true,
			userActivation: true
		});
		if (answer.type === 'exception') throw new Error(`in Firefox's page: ${answer.exceptionDetails?.text}`);
		return JSON.parse(answer.result!.value) as T;
	}

	/** Clicks the element with this data-testid. */
	async click(testId: string): Promise<void> {
		await this.evaluate((id) => {
			const element = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
			if (!element) throw new Error(`no element with data-testid ${id}`);
			element.click();
		}, testId);
	}

	/** The text of the element with this data-testid ('' when there is none). */
	text(testId: string): Promise<string> {
		return this.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', testId);
	}

	async screenshot(file: string): Promise<void> {
		const { data } = await this.bidi.send<{ data: string }>('browsingContext.captureScreenshot', { context: this.context });
		await writeFile(file, Buffer.from(data, 'base64'));
	}

	async close(): Promise<void> {
		await this.bidi.send('browsingContext.close', { context: this.context }).catch(() => {});
		await this.bidi.send('browser.removeUserContext', { userContext: this.userContext }).catch(() => {});
	}
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, ms = 30_000): Promise<string> {
	return new Promise((resolve, reject) => {
		const seen: string[] = [];
		const timer = setTimeout(() => done(new Error(`timed out after ${ms} ms waiting for ${what}:\n${seen.join('')}`)), ms);
		const onData = (chunk: Buffer) => {
			seen.push(chunk.toString());
			const match = pattern.exec(seen.join(''));
			if (match) done(null, match[1] ?? match[0]);
		};
		const onExit = (code: number | null) => done(new Error(`exited with ${code} before ${what}:\n${seen.join('')}`));
		function done(error: Error | null, line?: string) {
			clearTimeout(timer);
			child.stdout!.off('data', onData);
			child.stderr!.off('data', onData);
			child.off('exit', onExit);
			// Keep reading, so a chatty process never blocks on a full pipe.
			child.stdout!.resume();
			child.stderr!.resume();
			if (error) reject(error);
			else resolve(line!);
		}
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', onExit);
	});
}

function exited(child: ChildProcess, ms: number): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), ms);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
	});
}
