import type { Transport } from 'mediasoup-client/types';
import type { IceServer } from '../signaling/messages.js';

/**
 * How long a direct connection may take, once its ICE checks have begun, before a relay is tried
 * instead. Direct UDP, and the SFU's TCP candidate after it, connect within a second or two; a
 * network that blocks both only says so when every check has timed out, which browsers take
 * 10-30 s to conclude.
 */
export const DIRECT_CONNECT_DEADLINE_MS = 4000;
/**
 * Sooner than that, a direct attempt none of whose checks has been answered at all is given up:
 * the SFU answers a check within a round trip, so silence this long means the network drops them.
 */
export const DIRECT_ANSWER_DEADLINE_MS = 1500;
/** A relay that cannot be reached (or whose certificate the browser refuses) never says "failed": direct again after this. */
export const RELAY_CONNECT_DEADLINE_MS = 10_000;

export type IceTransportOptions = { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy };

const isTurn = (server: IceServer) => server.urls.some((url) => url.startsWith('turn'));

/** Whether any ICE check of the transport got an answer (Chromium counts responses; Firefox marks the pair succeeded). */
export function anyCheckAnswered(stats: RTCStatsReport): boolean {
	for (const s of (stats as unknown as Map<string, { type: string; state?: string; responsesReceived?: number }>).values()) {
		if (s.type === 'candidate-pair' && (s.state === 'succeeded' || (s.responsesReceived ?? 0) > 0)) return true;
	}
	return false;
}

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
	 * from, if it has not connected in time. Returns a function that stops watching.
	 */
	watch(transport: Transport, servers: IceServer[], onFailed: (reason: string) => void): () => void {
		let done = false;
		const timers: ReturnType<typeof setTimeout>[] = [];
		const stop = () => {
			done = true;
			timers.forEach(clearTimeout);
		};
		const fail = (reason: string) => {
			if (done) return;
			stop();
			this.failed(servers);
			onFailed(reason);
		};
		const switchable = servers.some(isTurn);
		const relayed = this.relay;
		if (switchable && relayed) timers.push(setTimeout(() => fail('the relay did not connect: trying directly'), RELAY_CONNECT_DEADLINE_MS));
		transport.on('connectionstatechange', (state) => {
			if (state === 'connected') timers.forEach(clearTimeout);
			if (state === 'failed') fail('media connection failed');
			// A direct attempt is timed from its first checks: before them the page may still be setting up.
			if (state === 'connecting' && switchable && !relayed && !done) {
				timers.push(setTimeout(() => fail('no direct media connection: trying the relay'), DIRECT_CONNECT_DEADLINE_MS));
				timers.push(
					setTimeout(async () => {
						if (done || transport.connectionState === 'connected') return;
						const stats = await transport.getStats().catch(() => null);
						if (stats && !anyCheckAnswered(stats)) fail('the network answers no direct route: trying the relay');
					}, DIRECT_ANSWER_DEADLINE_MS)
				);
			}
		});
		return stop;
	}
}
