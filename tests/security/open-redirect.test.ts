import { describe, expect, it } from 'vitest';
import { sameSitePath } from '../../src/routes/login/safe-next.js';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';

// The attack: `/login?next=…` answered a logged-in visitor (and a fresh log-in) with
// `303 Location: //evil.example`. These are the reported inputs and their relatives.
const KNOWN_ATTACKS = [
	'//evil.example',
	'/\\evil.example',
	'/.//evil.example',
	'/..//evil.example',
	'/x/..//evil.example',
	'/%2e//evil.example',
	'/%2e%2e//evil.example',
	'/./\\evil.example',
	'/.\\/evil.example',
	'\\\\evil.example',
	'/\t/evil.example',
	'/\n/evil.example',
	' //evil.example',
	'https://evil.example/',
	'http:evil.example',
	'//evil.example@gigs.example.org',
	'javascript:alert(1)',
	'/%09/evil.example',
	'/\u3002/evil.example'
];

// Pieces that URL parsing treats specially: separators, dot segments (plain and encoded),
// whitespace and control characters it strips, schemes, and look-alike slashes.
const PIECES = ['/', '/', '//', '\\', '.', '..', '%2e', '%2E', '%2f', '%5c', '%2e%2e', '\t', '\n', '\r', ' ', '\u0000', '\u000b', '@', ':', '?', '#', '&', '%', '%25', 'evil.example', 'x', 'http:', 'https:', '\uff0f', '\u2215', '\u3002', ';', 'me', 'gigs', '%0d%0a', 'Location:'];

function seeded(seed: number): () => number {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function generated(count: number, seed: number): string[] {
	const random = seeded(seed);
	return Array.from({ length: count }, () => {
		const length = 1 + Math.floor(random() * 8);
		const start = random() < 0.8 ? '/' : '';
		return start + Array.from({ length }, () => PIECES[Math.floor(random() * PIECES.length)]).join('');
	});
}

const SITE = 'https://gigs.example.org';

/** What a browser does with a Location header on the log-in page: it must stay on the site. */
function expectSameSite(location: string, input: string): void {
	expect(location.startsWith('/'), `${JSON.stringify(input)} -> ${JSON.stringify(location)}`).toBe(true);
	expect(location.startsWith('//') || location.startsWith('/\\'), `${JSON.stringify(input)} -> ${JSON.stringify(location)}`).toBe(false);
	expect(/[\u0000-\u0020\u007f]/.test(location), `${JSON.stringify(input)} -> ${JSON.stringify(location)} holds a control character`).toBe(false);
	expect(new URL(location, `${SITE}/login?next=x`).origin, `${JSON.stringify(input)} -> ${JSON.stringify(location)}`).toBe(SITE);
}

describe('where log-in sends a person next', () => {
	it('never leaves the site, for the reported inputs and 20,000 generated ones', () => {
		for (const input of [...KNOWN_ATTACKS, ...generated(20_000, 9)]) expectSameSite(sameSitePath(input), input);
	});

	it('keeps ordinary paths on the site as they are', () => {
		expect(sameSitePath('/me')).toBe('/me');
		expect(sameSitePath('/gigs/abc?x=1#tickets')).toBe('/gigs/abc?x=1#tickets');
		expect(sameSitePath('/studio/abc')).toBe('/studio/abc');
		expect(sameSitePath(null)).toBe('/');
		expect(sameSitePath('')).toBe('/');
	});
});

const site = siteForThisFile({ browser: false });

describe('the open redirect over HTTP', () => {
	const inputs = [...KNOWN_ATTACKS, ...generated(150, 27)];

	it('a logged-in visitor of /login?next=… is sent to a path on this site', async () => {
		const person = await site.make.person();
		const http = new HttpClient(site.url).useSession(person.token);
		for (const input of inputs) {
			const answer = await http.get(`/login?next=${encodeURIComponent(input)}`);
			expect(answer.status, JSON.stringify(input)).toBe(303);
			expectSameSite(answer.location!, input);
		}
		// A raw, unencoded query as an attacker would type it in a link.
		const raw = await fetch(`${site.url}/login?next=/.//evil.example`, { redirect: 'manual', headers: { cookie: person.cookie } });
		expect(raw.headers.get('location')).toBe('/');
	});

	it('a log-in or sign-up form post with ?next=… is sent to a path on this site', async () => {
		const person = await site.make.person();
		for (const input of KNOWN_ATTACKS) {
			const http = new HttpClient(site.url);
			const answer = await http.post(`/login?next=${encodeURIComponent(input)}`, { email: person.user.email, password: 'correct horse battery staple' });
			expect(answer.status, JSON.stringify(input)).toBe(303);
			expectSameSite(answer.location!, input);
		}
		const signUp = await new HttpClient(site.url).post(`/signup?next=${encodeURIComponent('/x/..//evil.example')}`, { email: `new-${Date.now()}@example.test`, password: 'correct horse battery staple', displayName: 'New Person' });
		expect(signUp.status).toBe(303);
		expect(signUp.location).toBe('/');
		// An ordinary next page still works.
		const plain = await new HttpClient(site.url).post(`/login?next=${encodeURIComponent('/me')}`, { email: person.user.email, password: 'correct horse battery staple' });
		expect(plain.location).toBe('/me');
	});
});
