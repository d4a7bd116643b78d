import { BlockList, isIP } from 'node:net';

// Loopback, private, link-local (cloud metadata lives at 169.254.169.254), shared, multicast and
// reserved ranges: nothing a creator's public endpoint should resolve to.
const INTERNAL_V4 = new BlockList();
for (const [network, prefix] of [
	['0.0.0.0', 8],
	['10.0.0.0', 8],
	['100.64.0.0', 10],
	['127.0.0.0', 8],
	['169.254.0.0', 16],
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['224.0.0.0', 4],
	['240.0.0.0', 4]
] as const) {
	INTERNAL_V4.addSubnet(network, prefix, 'ipv4');
}

// IPv6 ranges that are internal in themselves. `::/96` (IPv4-compatible, deprecated) and the
// local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215, whose IPv4 may sit at several places) never
// lead to a public host, so they are refused whatever they embed.
const INTERNAL_V6 = new BlockList();
for (const [network, prefix] of [
	['::', 96],
	['64:ff9b:1::', 48],
	['100::', 64],
	['fc00::', 7],
	['fe80::', 10],
	['fec0::', 10],
	['ff00::', 8]
] as const) {
	INTERNAL_V6.addSubnet(network, prefix, 'ipv6');
}

/**
 * IPv6 forms that carry an IPv4 address a packet may end up at: IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` (on a NAT64 network
 * `64:ff9b::a9fe:a9fe` is the cloud metadata address), 6to4 `2002:AABB:CCDD::` and Teredo
 * `2001:0:SSSS:SSSS:…:CCCC:CCCC` (server, and client XOR 0xffffffff).
 */
function embeddedIpv4(groups: number[]): string[] {
	const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
	const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
	const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
	const found: string[] = [];
	if (zeros(0, 5) && g5 === 0xffff) found.push(v4(g6, g7)); // ::ffff:a.b.c.d
	if (zeros(0, 4) && g4 === 0xffff && g5 === 0) found.push(v4(g6, g7)); // ::ffff:0:a.b.c.d
	if (g0 === 0x64 && g1 === 0xff9b && zeros(2, 6)) found.push(v4(g6, g7)); // 64:ff9b::/96
	if (g0 === 0x2002) found.push(v4(g1, g2)); // 6to4
	if (g0 === 0x2001 && g1 === 0) found.push(v4(g2, g3), v4(g6 ^ 0xffff, g7 ^ 0xffff)); // Teredo
	return found;
}

/** The eight 16-bit groups of an IPv6 address (as isIP accepts it: `::`, a dotted tail, a zone). */
function ipv6Groups(address: string): number[] {
	let text = address.split('%')[0]!.toLowerCase();
	const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
	if (dotted) {
		const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
		text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.split('::') as [string, string?];
	const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
	const front = part(head);
	const back = part(tail);
	const middle = tail === undefined ? [] : Array(8 - front.length - back.length).fill(0);
	return [...front, ...middle, ...back];
}

/**
 * Whether an IP address is loopback, private, link-local or otherwise not on the public internet.
 * An IPv6 address that embeds an IPv4 one (mapped, NAT64, 6to4, Teredo) counts as that IPv4 too.
 */
export function isInternalAddress(address: string): boolean {
	const bare = address.replace(/^\[|\]$/g, '');
	const family = isIP(bare);
	if (family === 4) return INTERNAL_V4.check(bare, 'ipv4');
	if (family !== 6) return false;
	const groups = ipv6Groups(bare);
	if (INTERNAL_V6.check(bare.split('%')[0]!, 'ipv6')) return true;
	return embeddedIpv4(groups).some((v4) => INTERNAL_V4.check(v4, 'ipv4'));
}

/** Names that mean this machine without asking DNS. */
export function isLocalHostname(hostname: string): boolean {
	const name = hostname.toLowerCase().replace(/\.$/, '');
	return name === 'localhost' || name.endsWith('.localhost');
}
