import type { Redis } from 'ioredis';
import { newId } from './ids.js';

/** A server node's id: one per process, never reused, so a restarted node is a new node. */
export type NodeId = string & { __brand: 'NodeId' };

export const newNodeId = (): NodeId => `node-${newId()}` as NodeId;

/** What other nodes need to know about a node while it is alive. */
export type NodeCard = { pipeAddress: string };

const key = (nodeId: string) => `gs:node:${nodeId}`;
/** Lua uses the same key to tell live nodes' records from dead ones'. */
export const NODE_KEY_PREFIX = 'gs:node:';

/**
 * The nodes sharing this Redis. Each node keeps its own entry alive with a heartbeat; a node that
 * dies (or loses Redis) drops out when its entry expires, and everything it announced (tracks,
 * pipes) is ignored from then on.
 */
export class Nodes {
	private timer: ReturnType<typeof setInterval> | undefined;
	private beat: (() => Promise<void>) | undefined;
	private lastBeatAt: number | null = null;

	constructor(
		private readonly redis: Redis,
		readonly ttlMs: number
	) {}

	/** Announces `nodeId` now and every third of the time-to-live until `leave`. */
	async join(nodeId: NodeId, card: NodeCard, onError: (error: unknown) => void): Promise<void> {
		const beat = async () => {
			await this.redis.set(key(nodeId), JSON.stringify(card), 'PX', this.ttlMs);
			this.lastBeatAt = Date.now();
		};
		await beat();
		this.beat = () => beat().catch(onError);
		clearInterval(this.timer);
		this.timer = setInterval(this.beat, Math.max(100, Math.floor(this.ttlMs / 3)));
		this.timer.unref();
	}

	/** Announces this node again at once (Redis is back: its entry may have expired meanwhile). */
	renewNow(): void {
		void this.beat?.();
	}

	/** How long ago this node's heartbeat last reached Redis (null before `join`); past the time-to-live, other nodes count it gone. */
	heartbeatAgeMs(): number | null {
		return this.lastBeatAt === null ? null : Date.now() - this.lastBeatAt;
	}

	async leave(nodeId: NodeId): Promise<void> {
		clearInterval(this.timer);
		this.timer = undefined;
		this.beat = undefined;
		await this.redis.del(key(nodeId));
	}

	async card(nodeId: string): Promise<NodeCard | null> {
		const raw = await this.redis.get(key(nodeId));
		return raw ? (JSON.parse(raw) as NodeCard) : null;
	}

	async alive(nodeId: string): Promise<boolean> {
		return (await this.redis.exists(key(nodeId))) === 1;
	}
}
