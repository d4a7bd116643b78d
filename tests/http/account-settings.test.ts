import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { linkIn, smtpInboxForThisFile } from '../support/smtp-inbox.js';
import { deviceHash } from '../support/fixtures.js';

const inbox = smtpInboxForThisFile();
const site = siteForThisFile({ browser: false, env: () => ({ SMTP_URL: inbox.url }) });
const password = 'correct horse battery staple';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
let n = 0;
const email = () => `settings-${Date.now()}-${n++}@example.test`;

/** A confirmed account, logged in twice (two devices). */
async function account() {
	const address = email();
	const here = new HttpClient(site.url);
	expect((await here.post('/signup', { email: address, password, displayName: 'Test Person' })).status).toBe(303);
	await site.make.confirmEmail(address);
	const phone = new HttpClient(site.url);
	expect((await phone.post('/login', { email: address, password })).status).toBe(303);
	return { address, here, phone };
}

const mailTo = (address: string, subject: RegExp) => inbox.waitFor(`“${subject.source}” to ${address}`, (m) => m.envelopeTo.includes(address) && subject.test(m.subject ?? ''));

describe('the account page', () => {
	it('changes the password only with the current one, and signs out the other devices', async () => {
		const { address, here, phone } = await account();
		const wrong = await here.post('/account?/changePassword', { currentPassword: 'not my password', newPassword: 'another long passphrase' });
		expect(wrong.status).toBe(403);
		expect(wrong.text).toContain('That is not your current password');
		const changed = await here.post('/account?/changePassword', { currentPassword: password, newPassword: 'another long passphrase' });
		expect(changed.status).toBe(200);
		expect(changed.text).toContain('every other device was signed out');
		expect((await here.get('/account')).status).toBe(200);
		expect((await phone.get('/account')).location).toContain('/login');
		// The phone logged in with the old password: it is not a known browser any more; this one stays known.
		expect(await site.make.knownDevices(address)).toEqual([deviceHash(here.cookie('gs_device'))]);
		await mailTo(address, /password was changed/i);
	});

	it('changes the email once the new address confirms, and tells the old one', async () => {
		const { address, here } = await account();
		const taken = (await account()).address;
		expect((await here.post('/account?/changeEmail', { email: taken, currentPassword: password })).status).toBe(409);
		const newAddress = email();
		const asked = await here.post('/account?/changeEmail', { email: newAddress, currentPassword: password });
		expect(asked.status).toBe(200);
		expect(asked.text).toContain(`We sent a link to ${newAddress}`);
		const link = linkIn(await mailTo(newAddress, /confirm your new email/i), '/account/email/');
		// Nothing changes until the link is followed.
		expect((await here.get('/account')).text).toContain(address);
		expect((await here.get(link.pathname)).text).toContain(newAddress);
		const done = await here.post(link.pathname, {});
		expect(done.status).toBe(200);
		expect(done.text).toContain('Your email is changed');
		const notice = await mailTo(address, /email was changed/i);
		expect(notice.text).toContain(newAddress);
		expect((await new HttpClient(site.url).post('/login', { email: newAddress, password })).status).toBe(303);
		expect((await new HttpClient(site.url).post('/login', { email: address, password })).status).toBe(401);
		// The old address is free again.
		expect((await new HttpClient(site.url).post('/signup', { email: address, password, displayName: 'Test Person' })).status).toBe(303);
	});

	it('lists where the person is signed in, and signs out one device or all the others', async () => {
		const { here, phone } = await account();
		const third = new HttpClient(site.url);
		await third.post('/login', { email: (await site.make.accounts.user((await site.make.accounts.sessions.resolve(here.session))!.userId))!.email, password });
		const page = (await here.get('/account')).text;
		expect(page.match(/Signed in /g)).toHaveLength(3);
		expect(page).toContain('This device');
		const phoneId = /name="session" value="([\w-]{43})"/.exec(page)?.[1];
		expect(phoneId).toBeDefined();
		const ended = await here.post('/account?/endSession', { session: phoneId! });
		expect(ended.text).toContain('That device is signed out');
		const stillIn = [(await phone.get('/account')).status, (await third.get('/account')).status];
		expect(stillIn.filter((s) => s === 200)).toHaveLength(1);
		expect((await here.post('/account?/endOtherSessions', {})).text).toContain('Signed out 1 other session');
		expect((await phone.get('/account')).status).toBe(303);
		expect((await third.get('/account')).status).toBe(303);
		expect((await here.get('/account')).status).toBe(200);
		// Someone else's session id ends nothing.
		const stranger = await account();
		expect((await stranger.here.post('/account?/endSession', { session: phoneId! })).text).toContain('had ended already');
	});

	it('names devices by their browser', async () => {
		const address = email();
		await new HttpClient(site.url).post('/signup', { email: address, password, displayName: 'Test Person' });
		const firefox = new HttpClient(site.url);
		const answer = await fetch(`${site.url}/login`, { method: 'POST', redirect: 'manual', headers: { origin: site.url, 'user-agent': FIREFOX, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: address, password }) });
		firefox.useSession(/gs_session=([^;]+)/.exec(answer.headers.getSetCookie().join())![1]!);
		expect((await firefox.get('/account')).text).toContain('Firefox on Linux');
	});

	it('saves notification switches and the time zone; an unsubscribe link turns one off without logging in', async () => {
		const { here } = await account();
		const saved = await here.post('/account?/savePreferences', { startsSoon: 'on', timeZone: 'America/New_York' });
		expect(saved.status).toBe(200);
		const page = (await here.get('/account')).text;
		expect(page).toMatch(/name="startsSoon" checked/);
		expect(page).not.toMatch(/name="liveNow" checked/);
		const userId = (await site.make.accounts.sessions.resolve(here.session))!.userId;
		expect((await site.make.accounts.user(userId))!.timeZone).toBe('America/New_York');

		const link = await unsubscribeLink(userId);
		const visitor = new HttpClient(site.url);
		expect((await visitor.get(new URL(link).pathname)).text).toContain('Stop “starts in 1 hour” reminders?');
		expect(await site.redis.hget(`gs:mail-prefs:${userId}`, 'startsSoon')).toBe('1');
		// What a mail program's "Unsubscribe" button does (RFC 8058): no Origin, no cookie.
		const oneClick = await fetch(`${site.url}${new URL(link).pathname}/one-click`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
		expect(oneClick.status).toBe(200);
		expect(await site.redis.hget(`gs:mail-prefs:${userId}`, 'startsSoon')).toBe('0');
		const forged = await fetch(`${site.url}/mail/unsubscribe/${userId}.liveNow.${'A'.repeat(43)}/one-click`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
		expect(forged.status).toBe(400);
	});

	it('deletes the account with its password: signed out, logged-in nowhere, told by mail', async () => {
		const { address, here, phone } = await account();
		expect(await site.make.knownDevices(address)).toHaveLength(2);
		expect((await here.post('/account?/deleteAccount', { currentPassword: password })).text).toContain('Tick the box');
		expect((await here.post('/account?/deleteAccount', { currentPassword: 'wrong', understood: 'on' })).status).toBe(403);
		const deleted = await here.post('/account?/deleteAccount', { currentPassword: password, understood: 'on' });
		expect(deleted.status).toBe(303);
		expect(deleted.location).toBe('/account/deleted');
		expect(here.session).toBeUndefined();
		expect((await phone.get('/account')).status).toBe(303);
		expect((await new HttpClient(site.url).post('/login', { email: address, password })).status).toBe(401);
		expect(await site.make.knownDevices(address), 'browsers still known').toEqual([]);
		await mailTo(address, /account was deleted/i);
		// Asking for a reset sends nothing to a deleted account.
		await new HttpClient(site.url).post('/account/forgot', { email: address });
		await expect.poll(() => site.redis.zcard('gs:reset-requests')).toBe(0);
		expect(inbox.to(address).filter((m) => /reset/i.test(m.subject ?? ''))).toEqual([]);
	});

	it('refuses to delete a creator with an upcoming gig that sold tickets, and says which', async () => {
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator, { title: 'Sold gig' });
		await site.make.ticket(gig, await site.make.person());
		const http = new HttpClient(site.url).useSession(creator.token);
		expect((await http.get('/account')).text).toContain('Sold gig');
		const refused = await http.post('/account?/deleteAccount', { currentPassword: 'correct horse battery staple', understood: 'on' });
		expect(refused.status).toBe(409);
		expect(refused.text).toContain('“Sold gig”');
		expect(await site.make.accounts.user(creator.user.id)).not.toBeNull();
	});
});

/** The unsubscribe link a reminder to this person would carry (the same HMAC the server makes). */
async function unsubscribeLink(userId: string): Promise<string> {
	const { UnsubscribeTokens } = await import('../../src/lib/server/notifications/unsubscribe.js');
	const { SiteLinks } = await import('../../src/lib/server/site-links.js');
	return (await new UnsubscribeTokens(site.redis, new SiteLinks(site.url)).link(userId, 'startsSoon')).page;
}
