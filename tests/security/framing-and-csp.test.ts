import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { takeCspViolations } from '../support/browser.js';
import { openPage, closePage } from '../support/pages.js';

// The attack: no X-Frame-Options, frame-ancestors or Content-Security-Policy, so any site could
// frame Gigstage's forms (clickjacking) and nothing limited what a page could load or run.

const site = siteForThisFile({ env: () => ({ DEV_PAYMENTS: 'true' }) });

function cspOf(headers: Headers): Map<string, string[]> {
	const policy = headers.get('content-security-policy') ?? '';
	return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

describe('security headers on every page', () => {
	it('pages carry a CSP with a nonce for each inline script, frame-ancestors none and the other headers', async () => {
		const { gig, creator, viewer } = await site.make.show({ price: '5' });
		const buyer = await site.make.person();
		const checkout = await site.make.tickets.startCheckout(gig, buyer.user.id, 'dev');
		const visitor = new HttpClient(site.url);
		const pages: [HttpClient, string][] = [
			[visitor, '/'],
			[visitor, '/login'],
			[visitor, '/signup'],
			[visitor, `/gigs/${gig.id}`],
			[new HttpClient(site.url).useSession(creator.token), `/studio/${gig.id}`],
			[new HttpClient(site.url).useSession(creator.token), `/gigs/${gig.id}/credentials`],
			[new HttpClient(site.url).useSession(creator.token), `/gigs/${gig.id}/edit`],
			[new HttpClient(site.url).useSession(creator.token), '/gigs/new'],
			[new HttpClient(site.url).useSession(viewer.token), `/gigs/${gig.id}/watch`],
			[new HttpClient(site.url).useSession(viewer.token), '/me'],
			[new HttpClient(site.url).useSession(viewer.token), '/me/webhooks'],
			[new HttpClient(site.url).useSession(buyer.token), `/checkout/dev/${checkout.id}`],
			[visitor, '/gigs/nosuchgig']
		];
		for (const [client, path] of pages) {
			const page = await client.get(path);
			expect([200, 404], path).toContain(page.status);
			const csp = cspOf(page.headers);
			expect(csp.get('frame-ancestors'), path).toEqual(["'none'"]);
			expect(csp.get('object-src'), path).toEqual(["'none'"]);
			expect(csp.get('base-uri'), path).toEqual(["'self'"]);
			const scripts = csp.get('script-src') ?? [];
			expect(scripts, path).not.toContain("'unsafe-inline'");
			expect(scripts, path).not.toContain("'unsafe-eval'");
			const nonce = scripts.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
			expect(nonce, `${path} has a script nonce`).toBeTruthy();
			// Every inline script SvelteKit wrote carries that nonce.
			for (const tag of page.text.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []) expect(tag, path).toContain(`nonce="${nonce}"`);
			expect(page.headers.get('x-frame-options'), path).toBe('DENY');
			expect(page.headers.get('referrer-policy'), path).toBe('same-origin');
			expect(page.headers.get('permissions-policy'), path).toContain('camera=(self), microphone=(self), display-capture=(self)');
			expect(page.headers.get('x-content-type-options'), path).toBe('nosniff');
			expect(page.headers.get('strict-transport-security'), `${path} over http`).toBeNull();
		}
	});

	it('responses that are not pages are locked down too: health, covers, Socket.IO', async () => {
		for (const path of ['/healthz', '/covers/nosuch-file.png', '/socket.io/?EIO=4&transport=polling']) {
			const answer = await fetch(site.url + path);
			expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
			expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
			expect(answer.headers.get('referrer-policy'), path).toBe('same-origin');
		}
		expect((await fetch(`${site.url}/healthz`)).headers.get('content-security-policy')).toContain("default-src 'none'");
	});
});

describe('security headers over https', () => {
	let server: ServerProcess;
	beforeAll(async () => {
		server = await startServerProcess({ PUBLIC_URL: 'https://gigs.example.org' });
	});
	afterAll(() => server?.stop());

	it('asks browsers for https only (HSTS) when PUBLIC_URL is https', async () => {
		for (const path of ['/', '/login', '/healthz']) {
			const answer = await fetch(server.url + path, { redirect: 'manual' });
			expect(answer.headers.get('strict-transport-security'), path).toBe('max-age=31536000');
		}
	});
});

describe('the policy in Chromium', () => {
	it('another site cannot frame a page', async () => {
		const attacker = await site.browser.newContext();
		const page = await attacker.newPage();
		await page.setContent(`<iframe id="victim" src="${site.url}/login" width="600" height="400"></iframe>`);
		const frame = await (await page.waitForSelector('#victim')).contentFrame();
		await expect.poll(() => takeCspViolations().join('\n'), { message: 'Chromium refused to frame the page' }).toMatch(/frame-ancestors/);
		expect(await frame?.locator('input[name="password"]').count().catch(() => 0)).toBe(0);
		await attacker.close();
	});

	it('refuses a script injected into a page, and tells the test (the guard every browser test runs)', async () => {
		const page = await openPage(site.browser, `${site.url}/login`);
		await page.getByRole('button', { name: /log in/i }).waitFor();
		const ran = await page.evaluate(async () => {
			const script = document.createElement('script');
			script.textContent = 'window.__injected = true';
			document.body.append(script);
			await new Promise((resolve) => setTimeout(resolve, 100));
			return (window as unknown as { __injected?: boolean }).__injected === true;
		});
		expect(ran).toBe(false);
		await expect.poll(() => takeCspViolations().join('\n'), { message: 'the violation was reported' }).toMatch(/inline script violates .*script-src/);
		await closePage(page);
	});
});
