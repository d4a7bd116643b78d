import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { NodeChannelError, type NodeChannel, type NodeMessageHandler } from '../../sfu/node-channel.js';
import type { Nodes } from '../../src/lib/server/nodes.js';
import { ALWAYS_JUDGE, type LeaseGrace } from './lease-grace.js';

const inbox = (nodeId: string) => `gs:node-inbox:${nodeId}`;
// A request's answer must come within this; a pipe set-up is a few mediasoup calls.
const REQUEST_TIMEOUT_MS = 5000;
// Larger envelopes are dropped: the pipe messages are well under a kilobyte.
const MAX_ENVELOPE_BYTES = 64 * 1024;

const name = z.string().min(1).max(64);
const envelope = z.discriminatedUnion('type', [
	z.object({ type: z.literal('request'), id: z.string().max(64), from: z.string().max(64), name, payload: z.unknown() }),
	z.object({ type: z.literal('notice'), from: z.string().max(64), name, payload: z.unknown() }),
	z.object({ type: z.literal('answer'), id: z.string().max(64), ok: z.unknown().optional(), error: z.string().max(500).optional() })
]);
type Envelope = z.infer<typeof envelope>;

/**
 * The NodeChannel between processes: each node listens on its own Redis pub/sub inbox; a request
 * carries an id its answer comes back with. Node liveness is the Nodes heartbeat. Messages are
 * fire-and-forget at the Redis level: a lost request times out, a lost notice is lost.
 */
export class RedisNodeChannel implements NodeChannel {
	private handler: NodeMessageHandler | null = null;
	private readonly waiting = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

	private constructor(
		readonly nodeId: string,
		private readonly redis: Redis,
		private readonly sub: Redis,
		private readonly nodes: Nodes,
		private readonly log: Logger,
		private readonly grace: Pick<LeaseGrace, 'mayJudge'>
	) {}

	/** `sub` becomes a subscriber connection: give it one of its own. */
	static async open(nodeId: string, redis: Redis, sub: Redis, nodes: Nodes, log: Logger, grace: Pick<LeaseGrace, 'mayJudge'> = ALWAYS_JUDGE): Promise<RedisNodeChannel> {
		const channel = new RedisNodeChannel(nodeId, redis, sub, nodes, log, grace);
		sub.on('message', (_channel: string, raw: string) => channel.receive(raw));
		await sub.subscribe(inbox(nodeId));
		return channel;
	}

	async request(node: string, name: string, payload: unknown): Promise<unknown> {
		const id = randomUUID();
		const answer = new Promise<unknown>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiting.delete(id);
				reject(new NodeChannelError(`node ${node} did not answer "${name}" within ${REQUEST_TIMEOUT_MS} ms`));
			}, REQUEST_TIMEOUT_MS);
			this.waiting.set(id, { resolve, reject, timer });
		});
		try {
			const listeners = await this.send(node, { type: 'request', id, from: this.nodeId, name, payload });
			if (listeners === 0) this.settle(id, undefined, `node ${node} is not reachable`);
		} catch (error) {
			// Redis is away: fail now (the answer's own rejection, so nothing is left unhandled).
			this.settle(id, undefined, `could not send "${name}" to node ${node}`, error);
		}
		return answer;
	}

	notify(node: string, name: string, payload: unknown): void {
		this.send(node, { type: 'notice', from: this.nodeId, name, payload }).catch((err: unknown) => this.log.warn({ node, name, err }, 'could not notify a node'));
	}

	serve(handler: NodeMessageHandler): void {
		this.handler = handler;
	}

	async alive(node: string): Promise<boolean> {
		// Just after an outage every heartbeat has lapsed: nobody is gone until they had time to renew.
		if (!this.grace.mayJudge()) return true;
		return this.nodes.alive(node);
	}

	async close(): Promise<void> {
		for (const [id] of this.waiting) this.settle(id, undefined, 'this node is shutting down');
		await this.sub.unsubscribe(inbox(this.nodeId)).catch(() => {});
	}

	private send(node: string, message: Envelope): Promise<number> {
		return this.redis.publish(inbox(node), JSON.stringify(message));
	}

	/** The single front door for what other nodes send: bounded, parsed, then handed on. */
	private receive(raw: string): void {
		if (raw.length > MAX_ENVELOPE_BYTES) return this.log.warn({ bytes: raw.length }, 'oversized message from another node dropped');
		let message: Envelope;
		try {
			message = envelope.parse(JSON.parse(raw));
		} catch {
			return this.log.warn('malformed message from another node dropped');
		}
		if (message.type === 'answer') return this.settle(message.id, message.ok, message.error);
		const handler = this.handler;
		if (message.type === 'notice') {
			try {
				handler?.notice(message.from, message.name, message.payload);
			} catch (err) {
				this.log.warn({ from: message.from, name: message.name, err }, 'a notice from another node failed');
			}
			return;
		}
		const { id, from } = message;
		const answering = handler ? handler.request(from, message.name, message.payload) : Promise.reject(new Error('this node serves no requests'));
		answering.then(
			(ok) => this.send(from, { type: 'answer', id, ok: ok ?? null }),
			(error: unknown) => this.send(from, { type: 'answer', id, error: String(error instanceof Error ? error.message : error).slice(0, 500) })
		).catch((err: unknown) => this.log.warn({ to: from, err }, 'could not answer another node'));
	}

	private settle(id: string, ok: unknown, error: string | undefined, cause?: unknown): void {
		const waiter = this.waiting.get(id);
		if (!waiter) return;
		this.waiting.delete(id);
		clearTimeout(waiter.timer);
		if (error !== undefined) waiter.reject(new NodeChannelError(error, cause === undefined ? undefined : { cause }));
		else waiter.resolve(ok);
	}
}
