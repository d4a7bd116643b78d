import { afterAll, afterEach, beforeAll } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { Redis } from 'ioredis';
import { LIVE_NAMESPACE, type LiveServerEvents } from '../../src/lib/live/messages.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { connectClient, type TestClient } from '../support/server.js';
import { startNode, startSharedRedis, type GigstageNode, type SharedRedis } from '../support/two-nodes.js';
import { fixtures } from '../support/fixtures.js';
import { waitFor } from '../support/media.js';

type EventName = keyof LiveServerEvents;
type EventOf<N extends EventName> = Parameters<LiveServerEvents[N]>[0];

export type LiveClient = {
	socket: Socket;
	/** Sends a request and returns the raw ack ({ ok } or { error }). */
	request(name: string, payload?: unknown): Promise<any>;
	/** Every `name` event received so far. */
	received<N extends EventName>(name: N): EventOf<N>[];
	/** Waits until an event `name` matching `match` has arrived (possibly already); fails saying `what` did not happen. */
	event<N extends EventName>(name: N, what: string, match?: (event: EventOf<N>) => boolean, ms?: number): Promise<EventOf<N>>;
	/** Resolves once the server has disconnected this client. */
	disconnected(what: string, ms?: number): Promise<void>;
	close(): void;
};

const EVENTS: EventName[] = ['chat:message', 'chat:deleted', 'reaction', 'viewers', 'status', 'moderated', 'stage', 'store'];

/** A Socket.IO client on `/live`, logged in when given a session cookie, recording every event. */
export async function connectLive(url: string, cookie?: string): Promise<LiveClient> {
	const socket = connect(url + LIVE_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: cookie ? { cookie } : undefined });
	const log = new Map<EventName, unknown[]>(EVENTS.map((name) => [name, []]));
	for (const name of EVENTS) socket.on(name as string, (event: unknown) => log.get(name)!.push(event));
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	const received = <N extends EventName>(name: N) => log.get(name) as EventOf<N>[];
	return {
		socket,
		request: (name, payload) => socket.timeout(5000).emitWithAck(name, payload),
		received,
		async event(name, what, match = () => true, ms = 5000) {
			let found: EventOf<typeof name> | undefined;
			await waitFor(what, () => (found = received(name).find(match)) !== undefined, ms);
			return found!;
		},
		disconnected: (what, ms = 5000) => waitFor(what, () => socket.disconnected, ms),
		close: () => socket.disconnect()
	};
}

export type Cluster = {
	redis: Redis;
	nodes: GigstageNode[];
	make: ReturnType<typeof fixtures>;
	/** A `/live` client on node `n`; closed after each test. */
	live(n: number, cookie?: string): Promise<LiveClient>;
	/** A `/media` client on node `n`; closed after each test. */
	media(n: number, cookie?: string): Promise<TestClient>;
	/** One more node, the next in `nodes`: a test may stop or kill it. */
	extraNode(name: string): Promise<GigstageNode>;
};

/** Two Gigstage nodes sharing one Redis for this test file, viewer entries living `ttlSeconds`. */
export function twoNodesForThisFile(ttlSeconds = 2): Cluster {
	const cluster = { nodes: [] as GigstageNode[] } as Cluster;
	let shared: SharedRedis;
	const open: { close(): void }[] = [];
	const env = { PRESENCE_TTL_SECONDS: String(ttlSeconds) };
	beforeAll(async () => {
		shared = await startSharedRedis();
		cluster.nodes = await Promise.all([startNode('a', shared.url, env), startNode('b', shared.url, env)]);
		cluster.redis = await connectRedis({ url: shared.url });
		cluster.make = fixtures(cluster.redis);
	});
	afterEach(() => {
		for (const client of open.splice(0)) client.close();
	});
	afterAll(async () => {
		cluster.redis?.disconnect();
		await Promise.all(cluster.nodes.map((node) => node.stop()));
		await shared?.stop();
	});
	const track = <C extends { close(): void }>(client: C) => (open.push(client), client);
	cluster.live = async (n, cookie) => track(await connectLive(cluster.nodes[n]!.url, cookie));
	cluster.media = async (n, cookie) => track(await connectClient(cluster.nodes[n]!.url, cookie));
	cluster.extraNode = async (name) => {
		const node = await startNode(name, shared.url, env);
		cluster.nodes.push(node);
		return node;
	};
	return cluster;
}
