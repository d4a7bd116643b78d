import { afterAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisNodeChannel } from '../../server/cluster/redis-node-channel.js';
import { NodeChannelError } from '../../sfu/node-channel.js';
import { Nodes, newNodeId } from '../../src/lib/server/nodes.js';
import { redisForThisFile } from '../support/redis.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { storeFailure } from '../../src/lib/server/store-errors.js';

const r = redisForThisFile();
const open: { channel: RedisNodeChannel; sub: Redis; nodes: Nodes }[] = [];

/** A node's end of the channel, as each server process opens it. */
async function node() {
	const nodeId = newNodeId();
	const nodes = new Nodes(r.redis, 2000);
	await nodes.join(nodeId, { pipeAddress: '127.0.0.1' }, () => {});
	const sub = r.redis.duplicate({ enableAutoPipelining: false });
	const channel = await RedisNodeChannel.open(nodeId, r.redis, sub, nodes, testLog);
	open.push({ channel, sub, nodes });
	return channel;
}

afterAll(async () => {
	for (const { channel, sub, nodes } of open) {
		await channel.close();
		await nodes.leave(channel.nodeId as never);
		sub.disconnect();
	}
});

describe('the node channel over Redis', () => {
	it('answers a request from another node, and passes a refusal back as an error', async () => {
		const [a, b] = [await node(), await node()];
		b.serve({
			request: async (from, name, payload) => {
				if (name === 'refuse') throw new Error('PRODUCER_NOT_FOUND: not here');
				return { from, name, echo: payload };
			},
			notice: () => {}
		});
		expect(await a.request(b.nodeId, 'pipe:open', { port: 4000 })).toEqual({ from: a.nodeId, name: 'pipe:open', echo: { port: 4000 } });
		await expect(a.request(b.nodeId, 'refuse', {})).rejects.toThrow('PRODUCER_NOT_FOUND: not here');
	});

	it('delivers notices, and drops malformed or oversized messages without stopping', async () => {
		const [a, b] = [await node(), await node()];
		const heard: unknown[] = [];
		b.serve({ request: async () => 'still here', notice: (from, name, payload) => heard.push({ from, name, payload }) });
		await r.redis.publish(`gs:node-inbox:${b.nodeId}`, 'not json');
		await r.redis.publish(`gs:node-inbox:${b.nodeId}`, JSON.stringify({ type: 'request', id: 'x' }));
		await r.redis.publish(`gs:node-inbox:${b.nodeId}`, 'x'.repeat(70_000));
		a.notify(b.nodeId, 'pipe:close', { gigId: 'g', producerId: 'p' });
		await waitFor('the notice arrived', () => heard.length === 1, 3000);
		expect(heard[0]).toEqual({ from: a.nodeId, name: 'pipe:close', payload: { gigId: 'g', producerId: 'p' } });
		expect(await a.request(b.nodeId, 'ping', {})).toBe('still here');
	});

	it('fails a request to a node that is gone at once, and tells live nodes from dead ones', async () => {
		const a = await node();
		const started = Date.now();
		await expect(a.request('node-gone', 'pipe:open', {})).rejects.toThrow('not reachable');
		expect(Date.now() - started).toBeLessThan(1000);
		const b = await node();
		expect(await a.alive(b.nodeId)).toBe(true);
		expect(await a.alive('node-gone')).toBe(false);
	});

	it('fails a request at once while Redis is away, as a store failure, and leaves no answer to reject later', async () => {
		const b = await node();
		const nodeId = newNodeId();
		const nodes = new Nodes(r.redis, 2000);
		const sub = r.redis.duplicate({ enableAutoPipelining: false });
		const gone = await connectRedis({ socketPath: r.server.socketPath });
		gone.disconnect(); // fails commands at once, as while Redis is away
		const a = await RedisNodeChannel.open(nodeId, gone, sub, nodes, testLog);
		open.push({ channel: a, sub, nodes });
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', onUnhandled);
		try {
			const started = Date.now();
			const error = await a.request(b.nodeId, 'pipe:open', {}).catch((e: unknown) => e);
			expect(Date.now() - started).toBeLessThan(1000);
			expect(error).toBeInstanceOf(NodeChannelError);
			expect(storeFailure(error), 'the log and callers see an outage, not a bug').toBe('unavailable');
			// Past the request timeout: nothing was left waiting to reject with nobody listening.
			await new Promise((resolve) => setTimeout(resolve, 5500));
			expect(unhandled).toEqual([]);
		} finally {
			process.off('unhandledRejection', onUnhandled);
		}
	}, 10_000);
});
