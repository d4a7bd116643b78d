import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';

// `npm run dev` (Vite's middlewares, hot reload) runs pages under the same Content-Security-Policy
// as production, and is where the test checkout is on by default. Its hot-reload socket must not
// trip the policy (every violation fails this test through tests/support/csp-guard.ts).

const root = fileURLToPath(new URL('../..', import.meta.url));
let dev: ChildProcess;
let url: string;
let browser: Browser;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-dev-'));

beforeAll(async () => {
	dev = spawn(process.execPath, ['--import', 'tsx', 'server/dev.ts'], {
		cwd: root,
		env: { ...process.env, DEV_PAYMENTS: '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', RTMP_PORT: '0', MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'info' },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	url = await new Promise<string>((resolve, reject) => {
		let out = '';
		const timer = setTimeout(() => reject(new Error(`the dev server did not start within 50 s:\n${out}`)), 50_000);
		const read = (chunk: Buffer) => {
			out += chunk.toString();
			const up = /"url":"http:\/\/localhost:(\d+)".*Gigstage is up/.exec(out);
			if (up) {
				clearTimeout(timer);
				resolve(`http://127.0.0.1:${up[1]}`);
			}
		};
		dev.stdout!.on('data', read);
		dev.stderr!.on('data', read);
	});
	browser = await launchChromium();
}, 60_000);

afterAll(async () => {
	await browser?.close();
	if (dev && dev.exitCode === null) {
		const exited = new Promise((resolve) => dev.once('exit', resolve));
		dev.kill('SIGTERM');
		await exited;
	}
	rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run dev', () => {
	it('serves pages under the CSP with hot reload connected, and says the test checkout is on', async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		for (const pagePath of ['/', '/login', '/signup']) {
			const answer = await page.goto(url + pagePath);
			expect(answer?.headers()['content-security-policy'], pagePath).toContain("frame-ancestors 'none'");
			await page.waitForLoadState('networkidle');
			await expect.poll(() => page.getByTestId('test-payments').count(), { message: `${pagePath} says test payments are on` }).toBe(1);
		}
		await context.close();
	});
});
