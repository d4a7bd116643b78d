import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Every request (pages, form actions, Socket.IO handshakes) is stamped with its client's address
 * under this header as it arrives, overwriting whatever the client sent: the rest of the server
 * reads it from there and never works it out again.
 */
export const CLIENT_ADDRESS_HEADER = 'x-gigstage-client-address';

/** Which connections may tell us who their client is (X-Forwarded-For): none, the first N hops, or these networks. */
export type TrustedProxies = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'networks'; networks: BlockList; text: string };

const NAMED_NETWORKS: Record<string, [string, number][]> = {
	loopback: [['127.0.0.0', 8], ['::1', 128]],
	private: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10], ['fc00::', 7]]
};
const MAX_HOPS = 10;

/**
 * TRUST_PROXY: unset, `false` or `0` trusts no proxy (X-Forwarded-For is ignored); a number N
 * trusts the N proxies nearest to Gigstage, whatever their address; a comma-separated list of
 * addresses, CIDR ranges, `loopback` or `private` trusts connections from those. Returns the
 * problem as a sentence when the value makes no sense.
 */
export function parseTrustProxy(value: string | undefined): TrustedProxies | string {
	const text = (value ?? '').trim().toLowerCase();
	if (text === '' || text === 'false' || text === '0') return { kind: 'none' };
	if (text === 'true') return '`true` would let anyone choose their address: give the number of proxies in front of Gigstage (usually 1) or their addresses';
	if (/^\d+$/.test(text)) {
		const hops = Number(text);
		return hops <= MAX_HOPS ? { kind: 'hops', hops } : `use at most ${MAX_HOPS} hops`;
	}
	const networks = new BlockList();
	for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
		const named = NAMED_NETWORKS[entry];
		if (named) {
			for (const [network, prefix] of named) networks.addSubnet(network, prefix, isIP(network) === 4 ? 'ipv4' : 'ipv6');
			continue;
		}
		const [address = '', prefixText] = entry.split('/');
		const family = isIP(address);
		const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
		if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128) || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
			return `"${entry}" is not a number of hops, an IP address, a CIDR range, loopback or private`;
		}
		networks.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
	}
	return { kind: 'networks', networks, text };
}

/** An address as one spelling: IPv4-mapped IPv6 as its IPv4, brackets, ports and zones dropped, lower case. Null when it is no IP address. */
export function normaliseAddress(raw: string | undefined): string | null {
	if (!raw) return null;
	let text = raw.trim();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
	if (bracketed) text = bracketed[1]!;
	else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
	text = text.split('%')[0]!.toLowerCase();
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
	if (mapped) text = mapped[1]!;
	return isIP(text) ? text : null;
}

/**
 * Who is on the other end: the connection's address, or, when that connection is a trusted proxy,
 * the address it forwarded (walking X-Forwarded-For from the right while the hop is trusted).
 * Without a trusted proxy X-Forwarded-For is ignored, so nobody can choose their own address.
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trust: TrustedProxies): string {
	const remote = normaliseAddress(remoteAddress) ?? 'unknown';
	if (trust.kind === 'none' || !forwardedFor) return remote;
	const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').reverse();
	let client = remote;
	for (let hop = 0; hop < forwarded.length; hop++) {
		const trusted = trust.kind === 'hops' ? hop < trust.hops : isTrustedNetwork(client, trust.networks);
		if (!trusted) break;
		const next = normaliseAddress(forwarded[hop]);
		// A proxy writes the address it saw; anything else came from the client: stop at the last real one.
		if (!next) break;
		client = next;
	}
	return client;
}

function isTrustedNetwork(address: string, networks: BlockList): boolean {
	const family = isIP(address);
	return family !== 0 && networks.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The share of the address space one party controls, for per-address limits: an IPv4 address, or
 * the /64 of an IPv6 one (a single home or server is usually handed a whole /64).
 */
export function addressBucket(address: string): string {
	if (isIP(address) !== 6) return address;
	const [head = '', tail] = address.split('::');
	const front = head ? head.split(':') : [];
	const back = tail === undefined ? [] : tail ? tail.split(':') : [];
	const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
	return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Stamps a request with its client's address; run first on every request and WebSocket upgrade. */
export function stampClientAddress(req: IncomingMessage, trust: TrustedProxies): void {
	req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trust);
}

/** The stamped client address of a request (a page's, or a Socket.IO handshake's `socket.request`). */
export function clientAddressOf(req: IncomingMessage): string {
	const stamped = req.headers[CLIENT_ADDRESS_HEADER];
	return typeof stamped === 'string' ? stamped : (normaliseAddress(req.socket.remoteAddress) ?? 'unknown');
}
