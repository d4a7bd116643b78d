import { io, type Socket } from 'socket.io-client';
import { MEDIA_NAMESPACE, type ErrorCode, type RequestName, type RequestPayload, type Results, type ServerEvents } from '../signaling/messages.js';
import type { LiveErrorCode } from '../live/messages.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** A request the server refused (or that timed out), with the server's stable code. */
export class SignalingFailure extends Error {
	constructor(
		readonly code: ErrorCode | LiveErrorCode | 'TIMEOUT' | 'DISCONNECTED',
		message: string
	) {
		super(message);
		this.name = 'SignalingFailure';
	}
}

/**
 * One request over a signaling socket (`/media` or `/live`): resolves with the server's `ok`,
 * throws a SignalingFailure with its code, or TIMEOUT when no answer comes in time.
 */
export async function requestOver<Result>(socket: Socket, name: string, payload: unknown): Promise<Result> {
	if (!socket.connected) throw new SignalingFailure('DISCONNECTED', 'not connected to the server');
	let answer: { ok: Result } | { error: { code: ErrorCode | LiveErrorCode; message: string } };
	try {
		answer = await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(name, payload);
	} catch {
		throw new SignalingFailure('TIMEOUT', `the server did not answer "${name}" in time`);
	}
	if ('error' in answer) throw new SignalingFailure(answer.error.code, answer.error.message);
	return answer.ok;
}

/** The browser end of `/media`: typed request/acknowledge with a timeout, and server events. */
export class SignalingClient {
	readonly socket: Socket<ServerEvents>;

	constructor(origin: string = location.origin) {
		this.socket = io(origin + MEDIA_NAMESPACE, { transports: ['websocket'], reconnectionDelayMax: 3000 });
	}

	request<N extends RequestName>(name: N, payload: RequestPayload<N>): Promise<Results[N]> {
		// socket.io-client's typed emit does not model our generic request map
		return requestOver(this.socket as unknown as Socket, name, payload);
	}

	close(): void {
		this.socket.disconnect();
	}
}
