import { describe, expect, it } from 'vitest';
import { endpointUrlSchema } from '../../src/lib/server/webhooks/endpoint-url.js';
import { isInternalAddress } from '../../src/lib/server/webhooks/private-address.js';
import { postEvent, type ResolveAll } from '../../src/lib/server/webhooks/sender.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';

// The attack: a creator's webhook URL reached internal addresses written in IPv6 forms that embed
// IPv4 (`[64:ff9b::a9fe:a9fe]` is the cloud metadata address on a NAT64 network), or in other
// spellings of an address, or through DNS answers.

const publicOnly = endpointUrlSchema(false);
const accepted = (url: string) => publicOnly.safeParse(url).success;

// 169.254.169.254 (metadata), 127.0.0.1 and 10.0.0.1 in every form that embeds or spells them.
const INTERNAL_LITERALS = [
	'http://[64:ff9b::a9fe:a9fe]/',
	'http://[64:ff9b::169.254.169.254]/',
	'http://[64:ff9b::7f00:1]/',
	'http://[64:ff9b:1::a9fe:a9fe]/',
	'http://[64:ff9b:1:a9fe:a9:fe00::]/',
	'http://[::169.254.169.254]/',
	'http://[::7f00:1]/',
	'http://[::a00:1]/',
	'http://[::ffff:169.254.169.254]/',
	'http://[::ffff:a9fe:a9fe]/',
	'http://[::ffff:0:a9fe:a9fe]/',
	'http://[0:0:0:0:0:ffff:7f00:1]/',
	'http://[2002:a9fe:a9fe::]/',
	'http://[2002:7f00:1::1]/',
	'http://[2002:a00:1:1::]/',
	'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', // Teredo, client 127.0.0.1
	'http://[2001:0:4136:e378::5601:5601]/', // Teredo, client 169.254.169.254 (XOR 0xffffffff)
	'http://[2001:0:a9fe:a9fe::]/', // Teredo server on the metadata address
	'http://[::]/',
	'http://[100::1]/',
	'http://2852039166/', // 169.254.169.254 as one number
	'http://0xa9fea9fe/',
	'http://0251.0376.0251.0376/',
	'http://0xa9.0xfe.0xa9.0xfe/',
	'http://169.254.43518/',
	'http://127.1/',
	'http://0/',
	'http://017700000001/',
	'http://localhost./',
	'http://LOCALHOST/',
	'http://metadata.localhost/'
];

describe('webhook targets in forms that hide an internal address', () => {
	it('refuses every IPv6 form that embeds an internal IPv4, and every other spelling of one, when saved', () => {
		for (const url of INTERNAL_LITERALS) expect(accepted(url), url).toBe(false);
	});

	it('still accepts public addresses, also in the forms that embed a public IPv4', () => {
		for (const url of ['https://[2606:4700:4700::1111]/hook', 'https://[64:ff9b::8.8.8.8]/hook', 'https://[2002:808:808::1]/', 'https://[2001:0:808:808::f7f7:f7f7]/', 'https://8.8.8.8/', 'https://hooks.example.com/x']) {
			expect(accepted(url), url).toBe(true);
		}
	});

	it('counts an IPv6 address as internal when what it embeds is', () => {
		expect(isInternalAddress('64:ff9b::a9fe:a9fe')).toBe(true);
		expect(isInternalAddress('::ffff:10.0.0.1')).toBe(true);
		expect(isInternalAddress('2002:c0a8:101::')).toBe(true); // 192.168.1.1
		expect(isInternalAddress('fe80::1%eth0')).toBe(true);
		expect(isInternalAddress('2001:db8::1')).toBe(false);
		expect(isInternalAddress('64:ff9b::8.8.8.8')).toBe(false);
	});

	it('refuses to send to such a literal even if it got past saving', async () => {
		for (const url of ['http://[64:ff9b::a9fe:a9fe]/', 'http://[::ffff:127.0.0.1]:9/', 'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/']) {
			const result = await postEvent({ url, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false });
			expect(result, url).toMatchObject({ ok: false, status: null });
			expect(result.error, url).toMatch(/^Refused: .* is a private address/);
		}
	});
});

describe('webhook targets whose name resolves inward', () => {
	const receiver = webhookReceiverForThisFile();
	const port = () => new URL(receiver.url).port;
	const resolvingTo =
		(...addresses: string[]): ResolveAll =>
		(_name, _options, callback) =>
			callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

	it('refuses a name with any internal answer, of either family and in any IPv6 form', async () => {
		for (const answers of [['::ffff:127.0.0.1'], ['64:ff9b::7f00:1'], ['8.8.8.8', '::ffff:127.0.0.1'], ['2606:4700:4700::1111', '127.0.0.1'], ['2002:7f00:1::']]) {
			const before = receiver.received.length;
			const result = await postEvent({ url: `http://hooks.example.test:${port()}/hooks`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false, resolve: resolvingTo(...answers) });
			expect(result.error, answers.join(', ')).toMatch(/^Refused: hooks\.example\.test resolves to .*, a private address/);
			expect(receiver.received.length).toBe(before);
		}
	});

	it('sends when the operator allows private targets, and never follows a redirect inward', async () => {
		receiver.redirectNext(1, 'http://169.254.169.254/latest/meta-data');
		const before = receiver.received.length;
		const redirected = await postEvent({ url: `${receiver.url}`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: true });
		expect(redirected).toMatchObject({ ok: false, status: 302 });
		expect(redirected.error).toMatch(/not followed/);
		expect(receiver.received.length).toBe(before + 1);
	});
});
