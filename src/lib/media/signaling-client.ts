import { io, type Socket } from 'socket.io-client';
import { MEDIA_NAMESPACE, type ErrorCode, type RequestName, type RequestPayload, type Results, type ServerEvents, type Ack } from '../signaling/messages.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** A request the server refused (or that timed out), with the server's stable code. */
export class SignalingFailure extends Error {
	constructor(
		readonly code: ErrorCode | 'TIMEOUT' | 'DISCONNECTED',
		message: string
	) {
		super(message);
		this.name = 'SignalingFailure';
	}
}

/** The browser end of `/media`: typed request/acknowledge with a timeout, and server events. */
export class SignalingClient {
	readonly socket: Socket<ServerEvents>;

	constructor(origin: string = location.origin) {
		this.socket = io(origin + MEDIA_NAMESPACE, { transports: ['websocket'], reconnectionDelayMax: 3000 });
	}

	async request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Results[N]> {
		if (!this.socket.connected) throw new SignalingFailure('DISCONNECTED', 'not connected to the server');
		let answer: Ack<Results[N]>;
		try {
			// socket.io-client's typed emit does not model our generic request map
			answer = await (this.socket as unknown as Socket).timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, payload);
		} catch {
			throw new SignalingFailure('TIMEOUT', `the server did not answer "${name}" in time`);
		}
		if ('error' in answer) throw new SignalingFailure(answer.error.code, answer.error.message);
		return answer.ok;
	}

	close(): void {
		this.socket.disconnect();
	}
}
