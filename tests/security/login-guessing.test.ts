import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { HttpClient } from '../support/http.js';

// The attack: after 31 bad log-ins from one address the real owner, from that address, was locked
// out; from 4 addresses 40 of 44 guesses against one account were checked; X-Forwarded-For was
// ignored, so behind a TLS proxy everyone shared one bucket.

const password = 'correct horse battery staple';
let n = 0;
const email = () => `guess-${Date.now().toString(36)}-${n++}@example.test`;

let proxied: ServerProcess; // behind a proxy on this machine: TRUST_PROXY=loopback
let direct: ServerProcess; // no proxy configured
beforeAll(async () => {
	[proxied, direct] = await Promise.all([startServerProcess({ TRUST_PROXY: 'loopback' }), startServerProcess({ TRUST_PROXY: '' })]);
});
afterAll(async () => {
	await Promise.all([proxied?.stop(), direct?.stop()]);
});

/** A browser at `address`, as the TLS proxy in front reports it. */
const browserAt = (server: ServerProcess, address: string) => new HttpClient(server.url, { 'x-forwarded-for': address });

/** A form post from another loopback address (127.0.0.2, …): a different client as the connection itself shows it. */
function postFrom(localAddress: string, server: ServerProcess, path: string, fields: Record<string, string>): Promise<number> {
	const body = new URLSearchParams(fields).toString();
	return new Promise((resolve, reject) => {
		const req = http.request(`${server.url}${path}`, {
			method: 'POST',
			localAddress,
			headers: { origin: server.url, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
		}, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode ?? 0));
		});
		req.on('error', reject);
		req.end(body);
	});
}

async function signUp(server: ServerProcess, address: string): Promise<{ email: string; browser: HttpClient }> {
	const browser = browserAt(server, address);
	const account = email();
	expect((await browser.post('/signup', { email: account, password, displayName: 'Test Person' })).status).toBe(303);
	return { email: account, browser };
}

describe('guessing passwords over HTTP', () => {
	it('an attacker at the owner’s address cannot lock her out of a browser she logged in from before', async () => {
		const victim = await signUp(proxied, '198.51.100.7');
		expect(victim.browser.cookie('gs_device')).toBeTruthy();
		expect((await victim.browser.post('/logout', {})).status).toBe(303);
		const statuses: number[] = [];
		for (let i = 0; i < 40; i++) statuses.push((await browserAt(proxied, '198.51.100.7').post('/login', { email: victim.email, password: `guess ${i}` })).status);
		expect(statuses.filter((s) => s === 401)).toHaveLength(10);
		expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
		// The owner, same address, her own browser: in.
		const owner = await victim.browser.post('/login', { email: victim.email, password });
		expect(owner.status).toBe(303);
		expect(victim.browser.session).toBeTruthy();
		// The right password from an unknown browser is not let through while the account's budget is spent.
		expect((await browserAt(proxied, '198.51.100.7').post('/login', { email: victim.email, password })).status).toBe(429);
	});

	it('checks at most 10 guesses against one account from any number of addresses, even all at once', async () => {
		const victim = await signUp(direct, '127.0.0.1');
		const guesses = Array.from({ length: 44 }, (_, i) => postFrom(`127.0.0.${2 + (i % 4)}`, direct, '/login', { email: victim.email, password: `guess ${i}` }));
		const statuses = await Promise.all(guesses);
		expect(statuses.filter((s) => s === 401)).toHaveLength(10);
		expect(statuses.filter((s) => s === 429)).toHaveLength(34);
		// The same behind a proxy, the addresses coming in X-Forwarded-For.
		const other = await signUp(proxied, '198.51.100.20');
		const proxiedGuesses = Array.from({ length: 44 }, (_, i) => browserAt(proxied, `203.0.113.${1 + (i % 4)}`).post('/login', { email: other.email, password: `guess ${i}` }));
		expect((await Promise.all(proxiedGuesses)).filter((a) => a.status === 401)).toHaveLength(10);
	});

	it('behind a trusted proxy, each client has its own address budget and cannot take another’s by adding X-Forwarded-For', async () => {
		for (let i = 0; i < 30; i++) expect((await browserAt(proxied, '192.0.2.50').post('/login', { email: email(), password })).status).toBe(401);
		expect((await browserAt(proxied, '192.0.2.50').post('/login', { email: email(), password })).status).toBe(429);
		// A client claiming to be someone else: the proxy appends the real address, which is the one that counts.
		expect((await browserAt(proxied, '192.0.2.99, 192.0.2.50').post('/login', { email: email(), password })).status).toBe(429);
		expect((await browserAt(proxied, '192.0.2.51').post('/login', { email: email(), password })).status).toBe(401);
	});

	it('without a trusted proxy, X-Forwarded-For is ignored: a new value per guess gets no new budget', async () => {
		const statuses: number[] = [];
		for (let i = 0; i < 31; i++) statuses.push((await browserAt(direct, `198.51.100.${i + 1}`).post('/login', { email: email(), password })).status);
		expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
		expect(statuses[30]).toBe(429);
	});

	it('a successful log-in uses up no guess', async () => {
		const person = await signUp(proxied, '198.51.100.30');
		for (let i = 0; i < 15; i++) {
			const browser = browserAt(proxied, '198.51.100.30');
			expect((await browser.post('/login', { email: person.email, password })).status, `log-in ${i + 1}`).toBe(303);
		}
	});
});
