import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';

const site = siteForThisFile({ browser: false });
const password = 'correct horse battery staple';
let n = 0;
const email = () => `person-${Date.now()}-${n++}@example.test`;

describe('accounts over HTTP', () => {
	it('signs up, stays logged in through an HttpOnly SameSite cookie, logs out and in again', async () => {
		const http = new HttpClient(site.url);
		const address = email();
		const signUp = await http.post('/signup', { email: address, password, displayName: 'Test Person' });
		expect(signUp.status).toBe(303);
		expect(signUp.headers.getSetCookie().join()).toMatch(/gs_session=[^;]+;.*HttpOnly/i);
		expect(signUp.headers.getSetCookie().join()).toMatch(/SameSite=Lax/i);
		expect((await http.get('/me')).text).toContain(address);

		expect((await http.post('/logout', {})).status).toBe(303);
		expect(http.session).toBeUndefined();
		const me = await http.get('/me');
		expect(me.status).toBe(303);
		expect(me.location).toContain('/login');

		expect((await http.post('/login', { email: address, password })).status).toBe(303);
		expect((await http.get('/me')).text).toContain(address);
	});

	it('shows what is wrong with a sign-up and keeps what was typed, except the password', async () => {
		const http = new HttpClient(site.url);
		const answer = await http.post('/signup', { email: 'not-an-email', password: 'short' });
		expect(answer.status).toBe(400);
		expect(answer.text).toContain('Enter a valid email address');
		expect(answer.text).toContain('Use at least 10 characters');
		expect(answer.text).toContain('not-an-email');
		expect(answer.text).not.toContain('value="short"');
		expect(http.session).toBeUndefined();
	});

	it('refuses a taken email and a wrong password with clear messages', async () => {
		const http = new HttpClient(site.url);
		const address = email();
		await http.post('/signup', { email: address, password, displayName: 'Test Person' });
		const again = await new HttpClient(site.url).post('/signup', { email: address, password, displayName: 'Test Person' });
		expect(again.status).toBe(409);
		expect(again.text).toContain('already registered');
		const wrong = await new HttpClient(site.url).post('/login', { email: address, password: 'not the password' });
		expect(wrong.status).toBe(401);
		expect(wrong.text).toContain('do not match');
	});

	it('never stores or logs a password in plain text', async () => {
		const http = new HttpClient(site.url);
		const secret = `plaintext-canary-${Date.now()}`;
		expect((await http.post('/signup', { email: email(), password: secret, displayName: 'Test Person' })).status).toBe(303);
		const everything = await site.redis.keys('gs:user:*');
		for (const key of everything) expect(JSON.stringify(await site.redis.hgetall(key))).not.toContain(secret);
		expect(site.server.logs.join('\n')).not.toContain(secret);
	});

	it('turns a viewer with a confirmed email into a creator with a normalised wallet, and only creators may register gigs', async () => {
		const http = new HttpClient(site.url);
		const address = email();
		await http.post('/signup', { email: address, password, displayName: 'Test Person' });
		const before = await http.get('/gigs/new');
		expect(before.text).toMatch(/become a creator/i);
		const unconfirmed = await http.post('/me?/becomeCreator', { displayName: 'DJ Test', wallet: '' });
		expect(unconfirmed.status).toBe(403);
		expect(unconfirmed.text).toContain('Confirm your email first');
		await site.make.confirmEmail(address);
		const bad = await http.post('/me?/becomeCreator', { displayName: 'X', wallet: 'ftp://nope' });
		expect(bad.status).toBe(400);
		const good = await http.post('/me?/becomeCreator', { displayName: 'DJ Test', wallet: '$wallet.example/dj' });
		expect(good.status).toBeLessThan(400);
		const me = await http.get('/me');
		expect(me.text).toContain('https://wallet.example/dj');
		expect((await http.get('/gigs/new')).text).toContain('name="title"');
	});

	it('rate-limits repeated failed log-ins for an account', async () => {
		const address = email();
		await new HttpClient(site.url).post('/signup', { email: address, password, displayName: 'Test Person' });
		const statuses: number[] = [];
		for (let i = 0; i < 11; i++) statuses.push((await new HttpClient(site.url).post('/login', { email: address, password: `wrong ${i}` })).status);
		expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
		expect(statuses[10]).toBe(429);
	});
});
