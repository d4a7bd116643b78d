import { describe, expect, it } from 'vitest';
import { addressBucket, clientAddress, normaliseAddress, parseTrustProxy, type TrustedProxies } from '../../src/lib/server/client-address.js';

const trust = (value: string) => parseTrustProxy(value) as TrustedProxies;

describe('who the client is', () => {
	it('is the connection’s address when no proxy is trusted, whatever X-Forwarded-For says', () => {
		for (const none of ['', 'false', '0']) {
			expect(clientAddress('203.0.113.9', '1.2.3.4', trust(none))).toBe('203.0.113.9');
			expect(clientAddress('::ffff:203.0.113.9', ['1.2.3.4', '5.6.7.8'], trust(none))).toBe('203.0.113.9');
		}
	});

	it('with N trusted hops, is the address the Nth proxy saw, however much the client prepends', () => {
		expect(clientAddress('10.0.0.2', '198.51.100.7', trust('1'))).toBe('198.51.100.7');
		expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7', trust('1'))).toBe('198.51.100.7');
		expect(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', trust('2'))).toBe('198.51.100.7');
		expect(clientAddress('10.0.0.2', undefined, trust('1'))).toBe('10.0.0.2');
	});

	it('with trusted networks, walks back only through proxies on them', () => {
		const proxies = trust('10.0.0.0/8, loopback');
		expect(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.1.2.3', proxies)).toBe('198.51.100.7');
		expect(clientAddress('203.0.113.5', '6.6.6.6', proxies)).toBe('203.0.113.5'); // not a proxy of ours: XFF ignored
		expect(clientAddress('::1', '2001:db8::7', proxies)).toBe('2001:db8::7');
		expect(clientAddress('127.0.0.1', '10.0.0.9', proxies)).toBe('10.0.0.9'); // all trusted: the farthest one
	});

	it('stops at a forwarded entry that is not an address, and reads ports, brackets and mapped forms', () => {
		expect(clientAddress('127.0.0.1', 'evil, <script>', trust('loopback'))).toBe('127.0.0.1');
		expect(clientAddress('127.0.0.1', '198.51.100.7:5123', trust('loopback'))).toBe('198.51.100.7');
		expect(clientAddress('127.0.0.1', '[2001:db8::7]:443', trust('loopback'))).toBe('2001:db8::7');
		expect(normaliseAddress('::FFFF:192.0.2.1')).toBe('192.0.2.1');
		expect(normaliseAddress('fe80::1%eth0')).toBe('fe80::1');
		expect(normaliseAddress('not-an-ip')).toBeNull();
	});

	it('refuses TRUST_PROXY values that would let anyone pick an address, or make no sense', () => {
		expect(parseTrustProxy('true')).toMatch(/would let anyone choose/);
		expect(parseTrustProxy('11')).toMatch(/at most 10 hops/);
		for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.0/x', '::1/129']) expect(typeof parseTrustProxy(bad), bad).toBe('string');
	});

	it('buckets an IPv6 client by its /64, which one party holds', () => {
		expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
		expect(addressBucket('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
		expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
		expect(addressBucket('198.51.100.7')).toBe('198.51.100.7');
	});
});
