import { isIPv6 } from 'node:net';

/** How many RTMP connections may be open at once, and how long one may take to start publishing. */
export type RtmpLimits = {
	/** Open connections in all. */
	maxConnections: number;
	/** Open connections from one address (IPv6: one /64, which one subscriber usually holds). */
	maxPerAddress: number;
	/** From accepting a connection to its publish being admitted: slow or stalled handshakes are cut here. */
	startDeadlineMs: number;
};

/**
 * The address a raw RTMP connection counts against. RTMP is plain TCP, never behind the HTTP
 * proxy, so the socket's peer is the client. IPv4-mapped IPv6 counts as the IPv4 address; other
 * IPv6 addresses count by their /64, since one client can pick any address in its prefix.
 */
export function addressBucket(remoteAddress: string | undefined): string {
	const address = remoteAddress ?? '';
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return mapped[1]!;
	if (!isIPv6(address)) return address;
	return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
	const [head, tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
	return [...left, ...fill, ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Counts open connections per address and in all; `admit` says whether one more may open. */
export class ConnectionCounts {
	private total = 0;
	private readonly byAddress = new Map<string, number>();

	constructor(private readonly limits: Pick<RtmpLimits, 'maxConnections' | 'maxPerAddress'>) {}

	/** Takes a place for a connection from `bucket`; null when it must be refused, else the function that gives the place back. */
	admit(bucket: string): (() => void) | null {
		const fromAddress = this.byAddress.get(bucket) ?? 0;
		if (this.total >= this.limits.maxConnections || fromAddress >= this.limits.maxPerAddress) return null;
		this.total++;
		this.byAddress.set(bucket, fromAddress + 1);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.total--;
			const left = (this.byAddress.get(bucket) ?? 1) - 1;
			if (left > 0) this.byAddress.set(bucket, left);
			else this.byAddress.delete(bucket);
		};
	}

	get open(): number {
		return this.total;
	}
}
