import { io, type Socket } from 'socket.io-client';
import { LIVE_NAMESPACE, type LiveRequestName, type LiveRequestPayload, type LiveResults, type LiveServerEvents } from './messages.js';
import { requestOver } from '../media/signaling-client.js';

/** The browser end of `/live`: typed requests (same timeout and failures as `/media`) and server events. */
export class LiveClient {
	readonly socket: Socket<LiveServerEvents>;

	constructor(origin: string = location.origin) {
		this.socket = io(origin + LIVE_NAMESPACE, { transports: ['websocket'], reconnectionDelayMax: 3000 });
	}

	request<N extends LiveRequestName>(name: N, payload: LiveRequestPayload<N>): Promise<LiveResults[N]> {
		return requestOver(this.socket as unknown as Socket, name, payload);
	}

	close(): void {
		this.socket.disconnect();
	}
}
