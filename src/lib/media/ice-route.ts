import type { Transport } from 'mediasoup-client/types';
import type { IceServer } from '../signaling/messages.js';

/**
 * How long a direct connection may take before a relay is tried instead. Direct UDP, and the
 * SFU's TCP candidate after it, connect within a second or two; a network that blocks both only
 * says so when every check has timed out, which browsers take 10-30 s to conclude.
 */
export const DIRECT_CONNECT_DEADLINE_MS = 4000;
/** A relay that cannot be reached (or whose certificate the browser refuses) never says "failed": direct again after this. */
export const RELAY_CONNECT_DEADLINE_MS = 10_000;

export type IceTransportOptions = { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy };

const isTurn = (server: IceServer) => server.urls.some((url) => url.startsWith('turn'));

/**
 * Which way a media transport's ICE goes. First direct to the SFU (UDP, then its TCP candidate),
 * with TURN left out so a relay is used, and paid for, only by those who need it; when that fails
 * the next transport is relay-only through TURN, and after a failed relay direct again.
 */
export class IceRoute {
	private relay = false;

	options(servers: IceServer[]): IceTransportOptions {
		if (this.relay && servers.some(isTurn)) return { iceServers: servers, iceTransportPolicy: 'relay' };
		return { iceServers: servers.filter((s) => !isTurn(s)), iceTransportPolicy: 'all' };
	}

	/** The transport made with `options(servers)` did not connect: the next one goes the other way. */
	failed(servers: IceServer[]): void {
		this.relay = servers.some(isTurn) && !this.relay;
	}

	/**
	 * Calls `onFailed` once if the transport fails, or, while there is a relay to switch to or
	 * from, if it has not connected by its deadline. Returns a function that stops watching.
	 */
	watch(transport: Transport, servers: IceServer[], onFailed: (reason: string) => void): () => void {
		let done = false;
		const fail = (reason: string) => {
			if (done) return;
			done = true;
			clearTimeout(deadline);
			this.failed(servers);
			onFailed(reason);
		};
		const deadline = servers.some(isTurn)
			? this.relay
				? setTimeout(() => fail('the relay did not connect: trying directly'), RELAY_CONNECT_DEADLINE_MS)
				: setTimeout(() => fail('no direct media connection: trying the relay'), DIRECT_CONNECT_DEADLINE_MS)
			: undefined;
		transport.on('connectionstatechange', (state) => {
			if (state === 'connected') clearTimeout(deadline);
			if (state === 'failed') fail('media connection failed');
		});
		return () => {
			done = true;
			clearTimeout(deadline);
		};
	}
}
