import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../../support/process.js';
import { connectRedis } from '../../../src/lib/server/store.js';
import { fixtures } from '../../support/fixtures.js';
import { MEDIA_NAMESPACE } from '../../../src/lib/signaling/messages.js';
import { LIVE_NAMESPACE } from '../../../src/lib/live/messages.js';
import type { MediaCounts } from './media-probe.js';

/** The preload that reports a server process's mediasoup objects and memory (see media-probe.ts). */
export const PROBE_ARGS = ['--expose-gc', '--import', fileURLToPath(new URL('./media-probe.ts', import.meta.url))];

export type ClientOptions = { cookie?: string; origin?: string };

/** A raw Socket.IO client, as an attacker has it: any headers, no page around it. */
export type RawClient = {
	socket: Socket;
	/** Sends a request and returns the raw ack ({ ok } or { error }). */
	request(name: string, payload?: unknown, ms?: number): Promise<any>;
	close(): void;
};

export type AttackSite = {
	server: ServerProcess;
	url: string;
	redis: Redis;
	make: ReturnType<typeof fixtures>;
	/** A connected `/media` client; closed after each test. */
	media(options?: ClientOptions): Promise<RawClient>;
	/** A connected `/live` client; closed after each test. */
	live(options?: ClientOptions): Promise<RawClient>;
	/** Every mediasoup object alive in the server process now, and the memory of its processes. */
	counts(): Promise<MediaCounts>;
};

/** Connects to a namespace; rejects with the server's refusal when the handshake is refused. */
export function connectRaw(url: string, namespace: string, { cookie, origin }: ClientOptions = {}): Promise<RawClient> {
	const headers: Record<string, string> = {};
	if (cookie) headers.cookie = cookie;
	if (origin) headers.origin = origin;
	const socket = connect(url + namespace, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
	return new Promise((resolve, reject) => {
		socket.once('connect', () =>
			resolve({
				socket,
				request: (name, payload, ms = 10_000) => socket.timeout(ms).emitWithAck(name, payload),
				close: () => socket.disconnect()
			})
		);
		socket.once('connect_error', (error) => {
			socket.disconnect();
			reject(error);
		});
	});
}

/**
 * The production server as its own process (real Redis, real mediasoup worker) for this test
 * file, with the media probe preloaded, fixtures on its Redis and raw clients.
 */
export function attackSiteForThisFile(env: Record<string, string> = {}): AttackSite {
	const site = {} as AttackSite;
	const open: RawClient[] = [];
	let probeUrl = '';
	beforeAll(async () => {
		site.server = await startServerProcess({ RTMP_PORT: '0', ...env }, { nodeArgs: PROBE_ARGS });
		site.url = site.server.url;
		probeUrl = probeAddress(site.server.logs);
		site.redis = await connectRedis({ socketPath: path.join(site.server.dataDir, 'redis', 'redis.sock') });
		site.make = fixtures(site.redis);
	});
	afterEach(() => {
		for (const c of open.splice(0)) c.close();
	});
	afterAll(async () => {
		site.redis?.disconnect();
		await site.server?.stop();
	});
	const track = (client: RawClient) => (open.push(client), client);
	site.media = async (options) => track(await connectRaw(site.url, MEDIA_NAMESPACE, options));
	site.live = async (options) => track(await connectRaw(site.url, LIVE_NAMESPACE, options));
	site.counts = () => readCounts(probeUrl);
	return site;
}

/** Where the probe preloaded into a server process answers. */
export function probeAddress(logs: string[]): string {
	for (const line of logs) {
		const found = /^\{"mediaProbe":(\d+)\}$/.exec(line);
		if (found) return `http://127.0.0.1:${found[1]}/`;
	}
	throw new Error(`the server process did not start its media probe:\n${logs.join('\n')}`);
}

export async function readCounts(probeUrl: string): Promise<MediaCounts> {
	const response = await fetch(probeUrl);
	if (!response.ok) throw new Error(`media probe answered ${response.status}: ${await response.text()}`);
	return (await response.json()) as MediaCounts;
}

/** Just the object counts of a probe reading, as Node and as the worker see them. */
export function objectCounts(c: MediaCounts) {
	return { routers: c.routers, transports: c.transports, producers: c.producers, consumers: c.consumers, dumped: c.dumped };
}

/** Resolves once `check` holds, or fails saying `what` did not happen (with the last value seen). */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> {
	const deadline = Date.now() + ms;
	let last: T | undefined;
	while (Date.now() < deadline) {
		last = await read();
		if (check(last)) return last;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`timed out after ${ms} ms waiting until ${what}; last seen: ${JSON.stringify(last)}`);
}
