import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { endpointUrlSchema } from '../../src/lib/server/webhooks/endpoint-url.js';
import { signatureHeader, verifySignature } from '../../src/lib/server/webhooks/signature.js';
import { retryDelayMs } from '../../src/lib/server/queue/retry.js';

const publicOnly = endpointUrlSchema(false);
const refusal = (url: unknown) => {
	const result = publicOnly.safeParse(url);
	return result.success ? `accepted as ${result.data}` : result.error.issues[0]?.message;
};

describe('webhook URLs', () => {
	it('accepts public http and https URLs, dropping the fragment', () => {
		expect(publicOnly.parse('  https://hooks.example.com/gigstage?x=1#frag ')).toBe('https://hooks.example.com/gigstage?x=1');
		expect(publicOnly.parse('http://203.0.113.7:8080/in')).toBe('http://203.0.113.7:8080/in');
	});

	it('refuses what is not an http(s) URL, with a message to act on', () => {
		for (const url of ['', '   ', 'not a url', 'ftp://example.com/x', 'javascript:alert(1)', 'file:///etc/passwd', 'https://']) {
			expect(refusal(url), url).toMatch(/Enter (the URL|a full URL)/);
		}
		expect(refusal(`https://example.com/${'a'.repeat(2000)}`)).toBe('Use at most 2000 characters');
	});

	it('refuses credentials in the URL', () => {
		expect(refusal('https://user:secret@example.com/hook')).toMatch(/Leave the user name and password out/);
		expect(refusal('https://token@example.com/hook')).toMatch(/Leave the user name and password out/);
	});

	it('refuses loopback, private and link-local targets unless private targets are allowed', () => {
		const internal = [
			'http://127.0.0.1:3000/',
			'http://localhost/',
			'http://app.localhost/',
			'http://[::1]/',
			'http://[::ffff:127.0.0.1]/',
			'http://10.1.2.3/',
			'http://172.20.0.1/',
			'http://192.168.1.10/',
			'http://169.254.169.254/latest/meta-data',
			'http://100.64.0.1/',
			'http://0.0.0.0/',
			'http://2130706433/', // 127.0.0.1 as one number
			'http://[fd00::1]/',
			'http://[fe80::1]/'
		];
		for (const url of internal) expect(refusal(url), url).toMatch(/private network/);
		const allowing = endpointUrlSchema(true);
		for (const url of internal) expect(allowing.safeParse(url).success, url).toBe(true);
	});
});

describe('webhook signatures', () => {
	it('follow the documented scheme: hex HMAC-SHA256 of "<t>.<body>"', () => {
		const body = '{"id":"evt_1","type":"ping"}';
		const header = signatureHeader('gswh_secret', body, 1_700_000_000_123);
		const expected = createHmac('sha256', 'gswh_secret').update(`1700000000.${body}`).digest('hex');
		expect(header).toBe(`t=1700000000,v1=${expected}`);
		expect(verifySignature('gswh_secret', header, body, 1_700_000_060_000)).toBe(true);
	});

	it('fail for another secret, a changed body, a stale timestamp or a mangled header', () => {
		const body = '{"type":"ping"}';
		const now = Date.now();
		const header = signatureHeader('gswh_secret', body, now);
		expect(verifySignature('gswh_other', header, body, now)).toBe(false);
		expect(verifySignature('gswh_secret', header, body.replace('ping', 'pong'), now)).toBe(false);
		expect(verifySignature('gswh_secret', header, body, now + 301_000)).toBe(false);
		expect(verifySignature('gswh_secret', 'v1=abc', body, now)).toBe(false);
		expect(verifySignature('gswh_secret', undefined, body, now)).toBe(false);
	});
});

describe('retry schedule', () => {
	it('waits 10 s, 30 s, 2 min, 10 min, then 1 h between attempts by default', () => {
		expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, 10_000) / 1000)).toEqual([10, 30, 120, 600, 3600, 3600]);
	});
});
