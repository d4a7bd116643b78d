import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config.js';
import { createServer, type GigstageServer } from '../../server/app.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { MEDIA_NAMESPACE, type Ack } from '../../src/lib/signaling/messages.js';
import { testLog } from './log.js';
import { fixtures } from './fixtures.js';

export type TestServer = { server: GigstageServer; url: string; redis: Redis; close(): Promise<void> };

export type ServerForThisFile = {
	server: TestServer;
	make: ReturnType<typeof fixtures>;
	/** A `/media` client, logged in when given a session cookie; closed after each test. */
	media(cookie?: string): Promise<TestClient>;
};

/** One Gigstage server (in this process) for the test file, with fixtures and `/media` clients. */
export function serverForThisFile(env: Record<string, string> = {}, log: Logger = testLog): ServerForThisFile {
	const site = {} as ServerForThisFile;
	const open: TestClient[] = [];
	beforeAll(async () => {
		site.server = await startTestServer(undefined, env, log);
		site.make = fixtures(site.server.redis);
	});
	afterEach(() => {
		for (const c of open.splice(0)) c.close();
	});
	afterAll(() => site.server?.close());
	site.media = async (cookie) => {
		const c = await connectClient(site.server.url, cookie);
		open.push(c);
		return c;
	};
	return site;
}

const notFound: RequestHandler = (_req, res) => {
	res.status(404).end();
};

/** A whole Gigstage server on a free loopback port: its own redis-server, one mediasoup worker. */
export async function startTestServer(web: RequestHandler = notFound, env: Record<string, string> = {}, log: Logger = testLog): Promise<TestServer> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigstage-server-'));
	const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', RTMP_PORT: '0', MEDIASOUP_WORKERS: '1', DATA_DIR: dataDir, ...env });
	const server = await createServer(config, log, web);
	const port = await server.listen();
	// A second connection to the server's own Redis, for fixtures and for checking what it stored.
	const redis = await connectRedis({ socketPath: path.join(dataDir, 'redis', 'redis.sock') });
	return {
		server,
		url: `http://127.0.0.1:${port}`,
		redis,
		async close() {
			redis.disconnect();
			await server.close();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

export type TestClient = {
	socket: Socket;
	/** Sends a request and returns the raw ack ({ ok } or { error }). */
	request(name: string, payload?: unknown): Promise<Ack<any>>;
	close(): void;
};

/** A Socket.IO client on `/media`, logged in when given a session cookie. */
export async function connectClient(url: string, cookie?: string): Promise<TestClient> {
	const socket = connect(url + MEDIA_NAMESPACE, {
		transports: ['websocket'],
		reconnection: false,
		forceNew: true,
		extraHeaders: cookie ? { cookie } : undefined
	});
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
