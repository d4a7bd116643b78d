import type { RequestHandler } from 'express';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config.js';
import { createServer, type GigstageServer } from '../../server/app.js';
import { MEDIA_NAMESPACE, type Ack } from '../../src/lib/signaling/messages.js';
import { testLog } from './log.js';

export type TestServer = { server: GigstageServer; url: string; close(): Promise<void> };

const notFound: RequestHandler = (_req, res) => {
	res.status(404).end();
};

/** A whole Gigstage server on a free loopback port, with one mediasoup worker. */
export async function startTestServer(web: RequestHandler = notFound, env: Record<string, string> = {}): Promise<TestServer> {
	const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', ...env });
	const server = await createServer(config, testLog, web);
	const port = await server.listen();
	return { server, url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export type TestClient = {
	socket: Socket;
	/** Sends a request and returns the raw ack ({ ok } or { error }). */
	request(name: string, payload?: unknown): Promise<Ack<any>>;
	close(): void;
};

export async function connectClient(url: string): Promise<TestClient> {
	const socket = connect(url + MEDIA_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	return {
		socket,
		request: (name, payload) => socket.timeout(5000).emitWithAck(name, payload),
		close: () => socket.disconnect()
	};
}
