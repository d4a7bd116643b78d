import { describe, expect, it } from 'vitest';
import { isSiteOrigin } from '../../server/signaling/site-origin.js';

describe('the site’s origin for Socket.IO handshakes', () => {
	it('compares with the request’s own Host when PUBLIC_URL is unset', () => {
		expect(isSiteOrigin('http://gigs.test:3000', 'gigs.test:3000', null)).toBe(true);
		expect(isSiteOrigin('https://gigs.test', 'gigs.test', null)).toBe(true); // a TLS proxy that keeps the Host
		expect(isSiteOrigin('https://gigs.test', 'gigs.test:443', null)).toBe(true);
		expect(isSiteOrigin('http://GIGS.test:3000', 'gigs.test:3000', null)).toBe(true);
		expect(isSiteOrigin('http://gigs.test:3001', 'gigs.test:3000', null)).toBe(false);
		expect(isSiteOrigin('http://evil.test', 'gigs.test', null)).toBe(false);
		expect(isSiteOrigin('http://gigs.test', undefined, null)).toBe(false);
		expect(isSiteOrigin('http://gigs.test', 'gigs.test/evil', null)).toBe(false);
		expect(isSiteOrigin('http://gigs.test', 'x@gigs.test', null)).toBe(false);
	});

	it('takes only PUBLIC_URL’s origin when it is set', () => {
		const site = 'https://gigs.example.org';
		expect(isSiteOrigin('https://gigs.example.org', '127.0.0.1:3000', site)).toBe(true);
		expect(isSiteOrigin('http://gigs.example.org', 'gigs.example.org', site)).toBe(false);
		expect(isSiteOrigin('http://127.0.0.1:3000', '127.0.0.1:3000', site)).toBe(false);
	});

	it('refuses opaque and non-web origins, and lets through a request without one', () => {
		for (const origin of ['null', 'file://gigs.test', 'chrome-extension://abc', 'data:text/html,x', '', 'gigs.test']) {
			expect(isSiteOrigin(origin, 'gigs.test', null), origin).toBe(false);
		}
		expect(isSiteOrigin(undefined, 'gigs.test', null)).toBe(true);
	});
});
