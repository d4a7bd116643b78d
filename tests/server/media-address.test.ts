import type os from 'node:os';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logMediaAddress, resolveMediaAddress } from '../../server/media-address.js';

type Interfaces = ReturnType<typeof os.networkInterfaces>;
const entry = (address: string, internal = false) =>
	({ address, family: address.includes(':') ? 'IPv6' : 'IPv4', internal, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;

const loopbackOnly: Interfaces = { lo: [entry('127.0.0.1', true), entry('::1', true)] };
const laptop: Interfaces = {
	lo: [entry('127.0.0.1', true), entry('::1', true)],
	wlan0: [entry('fe80::1c2b:3aff:fe4d:5e6f'), entry('2001:db8::7'), entry('192.168.1.23')],
	docker0: [entry('172.17.0.1')]
};
const defaults = { RTC_LISTEN_IP: '0.0.0.0' };

/** Every line a pino logger writes, parsed. */
function capture() {
	const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
	const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
	return { log, lines };
}

describe('the media address', () => {
	it('listens on every interface and announces the first network address of the machine', () => {
		expect(resolveMediaAddress(defaults, laptop)).toEqual({ listenIp: '0.0.0.0', announcedAddress: '192.168.1.23', origin: 'detected', interfaceName: 'wlan0' });
	});

	it('skips loopback and link-local addresses, and takes IPv6 only on an IPv6 socket with no IPv4 address', () => {
		const ipv6Only: Interfaces = { lo: loopbackOnly.lo, eth0: [entry('fe80::1'), entry('2001:db8::5')] };
		expect(resolveMediaAddress(defaults, ipv6Only).origin).toBe('loopback');
		expect(resolveMediaAddress({ RTC_LISTEN_IP: '::' }, ipv6Only)).toMatchObject({ announcedAddress: '2001:db8::5', origin: 'detected' });
		expect(resolveMediaAddress({ RTC_LISTEN_IP: '::' }, laptop).announcedAddress).toBe('192.168.1.23');
	});

	it('announces RTC_ANNOUNCED_ADDRESS when it is set, whatever the machine has', () => {
		expect(resolveMediaAddress({ ...defaults, RTC_ANNOUNCED_ADDRESS: 'gigs.example.org' }, laptop)).toEqual({
			listenIp: '0.0.0.0',
			announcedAddress: 'gigs.example.org',
			origin: 'configured'
		});
	});

	it('keeps media on loopback when RTC_LISTEN_IP=127.0.0.1 asks for it', () => {
		expect(resolveMediaAddress({ RTC_LISTEN_IP: '127.0.0.1' }, laptop)).toEqual({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', origin: 'listen-ip' });
	});

	it('falls back to loopback on a machine without a network address', () => {
		expect(resolveMediaAddress(defaults, loopbackOnly)).toEqual({ listenIp: '0.0.0.0', announcedAddress: '127.0.0.1', origin: 'loopback' });
	});

	it('logs the detected address with its interface', () => {
		const { log, lines } = capture();
		logMediaAddress(resolveMediaAddress(defaults, laptop), log);
		expect(lines).toEqual([expect.objectContaining({ level: 30, announcedAddress: '192.168.1.23', interface: 'wlan0', msg: expect.stringContaining('RTC_ANNOUNCED_ADDRESS') })]);
	});

	it('warns, naming Firefox and the fix, when media ends up on loopback', () => {
		for (const media of [resolveMediaAddress(defaults, loopbackOnly), resolveMediaAddress({ RTC_LISTEN_IP: '127.0.0.1' }, laptop)]) {
			const { log, lines } = capture();
			logMediaAddress(media, log);
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatchObject({ level: 40, announcedAddress: '127.0.0.1' });
			expect(lines[0]!.msg).toMatch(/Firefox .*cannot/);
		}
	});
});
