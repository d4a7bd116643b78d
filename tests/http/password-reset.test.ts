import { describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { linkIn, smtpInboxForThisFile } from '../support/smtp-inbox.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';
import { deviceHash } from '../support/fixtures.js';

const inbox = smtpInboxForThisFile();
const site = siteForThisFile({ browser: false, env: () => ({ SMTP_URL: inbox.url }) });
const password = 'correct horse battery staple';
const newPassword = 'a brand new passphrase';
let n = 0;
const email = () => `reset-${Date.now()}-${n++}@example.test`;

async function account(): Promise<{ address: string; http: HttpClient }> {
	const address = email();
	const http = new HttpClient(site.url);
	expect((await http.post('/signup', { email: address, password, displayName: 'Test Person' })).status).toBe(303);
	return { address, http };
}

async function askForLink(address: string): Promise<URL> {
	const before = inbox.to(address).filter((m) => /reset/i.test(m.subject ?? '')).length;
	expect((await new HttpClient(site.url).post('/account/forgot', { email: address })).status).toBe(200);
	await inbox.waitFor(`reset mail ${before + 1} to ${address}`, () => inbox.to(address).filter((m) => /reset/i.test(m.subject ?? '')).length > before);
	return linkIn(inbox.to(address).filter((m) => /reset/i.test(m.subject ?? '')).at(-1)!, '/account/reset/');
}

/** The answer page without what differs by design (the address typed, SvelteKit's per-request ids). */
const answerShape = (html: string, address: string) => html.split(address).join('<address>').replace(/data-sveltekit-[\w-]+="[^"]*"/g, '').replace(/__sveltekit_\w+/g, '').replace(/nonce="[^"]*"/g, '');

describe('forgot password', () => {
	it('answers an unknown address exactly like a known one, and mails only the known one', async () => {
		const { address } = await account();
		const unknown = email();
		const known = await new HttpClient(site.url).post('/account/forgot', { email: address });
		const nobody = await new HttpClient(site.url).post('/account/forgot', { email: unknown });
		expect(nobody.status).toBe(known.status);
		expect(answerShape(nobody.text, unknown)).toBe(answerShape(known.text, address));
		expect(known.text).toContain('If an account uses');
		await inbox.waitFor('the reset mail', (m) => m.envelopeTo.includes(address) && /reset/i.test(m.subject ?? ''));
		await expect.poll(() => site.redis.zcard('gs:reset-requests')).toBe(0);
		await expect.poll(() => site.redis.zcard('gs:mail-queue')).toBe(0);
		expect(inbox.to(unknown)).toEqual([]);
	});

	it('sets a new password from the link, signs out every other session and closes its sockets', async () => {
		const { address, http: elsewhere } = await account();
		const socket = connect(site.url + LIVE_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: `gs_session=${elsewhere.session}` } });
		await new Promise<void>((resolve, reject) => (socket.once('connect', resolve), socket.once('connect_error', reject)));
		const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
		const link = await askForLink(address);
		const browser = new HttpClient(site.url);
		const form = await browser.get(link.pathname);
		expect(form.text).toContain('name="password"');
		// A password refused for its length does not use the link up.
		expect((await browser.post(link.pathname, { password: 'short' })).status).toBe(400);
		const done = await browser.post(link.pathname, { password: newPassword });
		expect(done.status).toBe(303);
		expect(done.location).toBe('/account?reset=1');
		expect(browser.session).toBeDefined();
		// Every browser the old password logged in from is forgotten; the one that reset it is known.
		expect(elsewhere.cookie('gs_device')).toBeDefined();
		expect(await site.make.knownDevices(address)).toEqual([deviceHash(browser.cookie('gs_device'))]);
		expect((await browser.get('/account')).status).toBe(200);
		expect(await closed).toBe('io server disconnect');
		expect((await elsewhere.get('/me')).location).toContain('/login');
		expect((await new HttpClient(site.url).post('/login', { email: address, password })).status).toBe(401);
		expect((await new HttpClient(site.url).post('/login', { email: address, password: newPassword })).status).toBe(303);
		const reused = await new HttpClient(site.url).post(link.pathname, { password: 'yet another passphrase' });
		expect(reused.status).toBe(410);
		await inbox.waitFor('the password-changed notice', (m) => m.envelopeTo.includes(address) && /password was changed/i.test(m.subject ?? ''));
	});

	it('voids a link when a newer one is sent, when the person logs in, and after an hour', async () => {
		const { address } = await account();
		const older = await askForLink(address);
		const newer = await askForLink(address);
		expect((await new HttpClient(site.url).get(older.pathname)).text).toContain('not valid any more');
		expect((await new HttpClient(site.url).post('/login', { email: address, password })).status).toBe(303);
		expect((await new HttpClient(site.url).post(newer.pathname, { password: newPassword })).status).toBe(410);
		const late = await askForLink(address);
		const tokenId = late.pathname.split('/').pop()!.split('.')[0]!;
		await site.redis.hset(`gs:token:${tokenId}`, 'expiresAt', String(Date.now() - 1));
		const expired = await new HttpClient(site.url).post(late.pathname, { password: newPassword });
		expect(expired.status).toBe(410);
		expect(expired.text).toContain('expired');
	});

	it('refuses a confirmation link on the reset page and a reset link on the confirmation page; each still works for its own', async () => {
		const { address } = await account();
		const confirmMail = await inbox.waitFor(`the confirmation mail to ${address}`, (m) => m.envelopeTo.includes(address) && /confirm your email/i.test(m.subject ?? ''));
		const confirmToken = linkIn(confirmMail, '/account/confirm/').pathname.split('/').pop()!;
		const resetToken = (await askForLink(address)).pathname.split('/').pop()!;
		const anyone = () => new HttpClient(site.url);

		expect((await anyone().get(`/account/reset/${confirmToken}`)).text).toContain('TOKEN_INVALID');
		const resetByConfirm = await anyone().post(`/account/reset/${confirmToken}`, { password: newPassword });
		expect(resetByConfirm.status).toBe(410);
		expect(resetByConfirm.text).toContain('TOKEN_INVALID');
		expect(resetByConfirm.text).toContain('This link is not valid any more');
		expect((await anyone().get(`/account/confirm/${resetToken}`)).text).toContain('TOKEN_INVALID');
		const confirmByReset = await anyone().post(`/account/confirm/${resetToken}`, {});
		expect(confirmByReset.status).toBe(410);
		expect(confirmByReset.text).toContain('TOKEN_INVALID');
		expect((await site.make.accounts.user((await site.make.accounts.idForEmail(address))!))?.emailConfirmed).toBe(false);

		const confirmed = await anyone().post(`/account/confirm/${confirmToken}`, {});
		expect(confirmed.status).toBe(200);
		expect(confirmed.text).toContain('your email is confirmed');
		const reset = await anyone().post(`/account/reset/${resetToken}`, { password: newPassword });
		expect(reset.status).toBe(303);
		expect((await anyone().post('/login', { email: address, password: newPassword })).status).toBe(303);
	});

	it('offers the way there from the log-in page', async () => {
		expect((await new HttpClient(site.url).get('/login')).text).toContain('href="/account/forgot"');
	});
});
