import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, type StoreConnections } from '../../server/redis/store-connections.js';
import { RedisNodeChannel } from '../../server/cluster/redis-node-channel.js';
import { LeaseGrace } from '../../server/cluster/lease-grace.js';
import { keepShowLeases } from '../../server/signaling/show-leases.js';
import type { MediaContext } from '../../server/signaling/media-handlers.js';
import { Shows } from '../../src/lib/server/shows.js';
import { Nodes, newNodeId, type NodeId } from '../../src/lib/server/nodes.js';
import { startExternalRedis, type ExternalRedis } from '../support/redis-server.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';

// Long enough that both nodes find Redis again well within one lease of each other (their
// reconnect attempts are up to a second apart), as with the default of 6 s.
const LEASE_MS = 3000;
const OUTAGE_MS = LEASE_MS + 1500;
// How much later than the other node the host's node finds Redis again: within a lease.
const LATER_MS = 1500;

type Node = { id: NodeId; store: StoreConnections; shows: Shows; nodes: Nodes; channel: RedisNodeChannel; leases: { stop(): void } };

let redis: ExternalRedis;
let gate: Gate;
const started: Node[] = [];

/** What one server process runs of the show state: its store connections, heartbeat, channel and lease keeper. */
async function startNode(url = redis.url): Promise<Node> {
	const id = newNodeId();
	const store = await connectStore({ url }, testLog);
	const nodes = new Nodes(store.redis, LEASE_MS);
	const shows = new Shows(store.redis, id, LEASE_MS);
	const grace = new LeaseGrace(store.status, LEASE_MS);
	grace.onRecovered(() => nodes.renewNow());
	const channel = await RedisNodeChannel.open(id, store.redis, store.nodeChannelSub, nodes, testLog, grace);
	await nodes.join(id, { pipeAddress: '127.0.0.1' }, () => {});
	// The lease keeper reads only the show state and the log; a sweep would also tell viewers (none here).
	const leases = keepShowLeases({ shows, log: testLog } as unknown as MediaContext, grace);
	const node = { id, store, shows, nodes, channel, leases };
	started.push(node);
	return node;
}

type Gate = { url: string; closed: boolean; close(): Promise<void> };

/** A loopback path to Redis that refuses new connections while `closed`: one node's network comes back later. */
async function startGate(port: number): Promise<Gate> {
	const gate = net.createServer((client) => {
		client.on('error', () => {});
		if (state.closed) return void client.destroy();
		const upstream = net.connect(port, '127.0.0.1');
		upstream.on('error', () => client.destroy());
		client.pipe(upstream).pipe(client);
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
	const state: Gate = {
		url: `redis://127.0.0.1:${(gate.address() as net.AddressInfo).port}`,
		closed: false,
		close: () => new Promise((resolve) => gate.close(() => resolve()))
	};
	return state;
}

beforeAll(async () => {
	redis = await startExternalRedis();
	gate = await startGate(redis.port);
});

afterAll(async () => {
	for (const node of started) {
		node.leases.stop();
		await node.channel.close();
		await node.nodes.leave(node.id).catch(() => {});
		node.store.close();
	}
	await gate?.close();
	await redis?.close();
});

describe('leases and heartbeats across a Redis outage', () => {
	it('keeps a live show live and its host’s node alive when Redis was away for longer than a lease', async () => {
		const [host, other] = [await startNode(gate.url), await startNode()];
		expect((await host.shows.claimHost('g1', 'host-1', 'tab-aaaaaaaaaaaaaaaa')).ok).toBe(true);
		const { startedAt } = await host.shows.start('g1');

		await redis.kill();
		gate.closed = true;
		await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
		await redis.start();
		await waitFor('the other node found Redis again', () => other.store.status.available, 5000);
		await new Promise((resolve) => setTimeout(resolve, LATER_MS));
		// Its lease lapsed (it reads as interrupted), but nobody sweeps the seat: it only could not renew.
		expect(await other.shows.state('g1')).toEqual({ state: 'interrupted', startedAt });
		expect(await other.store.redis.hexists('gs:show:g1', 'hostPeer'), 'the seat is still held').toBe(1);
		gate.closed = false;
		await waitFor('the host’s node found Redis again', () => host.store.status.available, 5000);

		// Every lease and heartbeat in Redis lapsed meanwhile; no node died. For two leases, the show
		// stays live with its host seated, and the host's node stays alive for the other one (its
		// pipes stay open).
		const until = Date.now() + 2 * LEASE_MS;
		while (Date.now() < until) {
			expect(await other.shows.state('g1')).toEqual({ state: 'live', startedAt });
			expect(await other.shows.isHost('g1', 'host-1'), 'the host keeps the seat').toBe(true);
			expect(await other.channel.alive(host.id), 'the host’s node counts as alive').toBe(true);
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(await host.shows.renew(), 'the host’s node still holds the seat').toEqual([]);
	}, 30_000);

	it('still sweeps the seat of a node that stopped renewing while Redis was there', async () => {
		const [dying, survivor] = [await startNode(), await startNode()];
		await dying.shows.claimHost('g2', 'host-2', undefined);
		const { startedAt } = await dying.shows.start('g2');
		dying.leases.stop();
		await dying.nodes.leave(dying.id);

		// The sweep empties the seat in the show's record (docs/redis-keys.md).
		await waitFor('the lapsed seat was swept', async () => (await survivor.store.redis.hexists('gs:show:g2', 'hostPeer')) === 0, 3 * LEASE_MS);
		expect(await survivor.shows.state('g2')).toEqual({ state: 'interrupted', startedAt });
		expect(await survivor.channel.alive(dying.id)).toBe(false);
	}, 30_000);
});
