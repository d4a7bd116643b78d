/**
 * How the media planes of several nodes talk: a small request/response channel plus one-way
 * notices, addressed by node id. One interface, two implementations: `LocalNodeHub` for nodes in
 * one process (tests, a single node), and the Redis one (server/cluster/redis-node-channel.ts)
 * for nodes in separate processes. The channel only carries JSON; what the messages mean, and
 * their validation, is the receiver's business (sfu/node-pipes.ts).
 */
export type NodeMessageHandler = {
	/** Answers a request from `from`; a rejection reaches the requester as an error. */
	request(from: string, name: string, payload: unknown): Promise<unknown>;
	notice(from: string, name: string, payload: unknown): void;
};

export interface NodeChannel {
	readonly nodeId: string;
	/** Asks `node` and resolves with its answer; rejects when it refuses, is gone, or is too slow. */
	request(node: string, name: string, payload: unknown): Promise<unknown>;
	/** Tells `node` something, without waiting; lost if the node is gone. */
	notify(node: string, name: string, payload: unknown): void;
	/** Who answers this node's messages (one handler; the last one set wins). */
	serve(handler: NodeMessageHandler): void;
	/** Whether `node` is still there (its heartbeat is fresh). */
	alive(node: string): Promise<boolean>;
	close(): Promise<void>;
}

export class NodeChannelError extends Error {
	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = 'NodeChannelError';
	}
}

/** Nodes that live in one process, as in the SFU tests: messages are delivered on the next tick. */
export class LocalNodeHub {
	private readonly handlers = new Map<string, NodeMessageHandler | null>();

	channel(nodeId: string): NodeChannel {
		const hub = this.handlers;
		hub.set(nodeId, null);
		const deliver = (node: string): NodeMessageHandler => {
			const handler = hub.get(node);
			if (!handler) throw new NodeChannelError(`node ${node} is not reachable`);
			return handler;
		};
		return {
			nodeId,
			async request(node, name, payload) {
				await Promise.resolve();
				// JSON both ways, as over Redis: nothing but data crosses.
				const answer = await deliver(node).request(nodeId, name, JSON.parse(JSON.stringify(payload)));
				return answer === undefined ? null : JSON.parse(JSON.stringify(answer));
			},
			notify(node, name, payload) {
				const copy = JSON.parse(JSON.stringify(payload));
				setImmediate(() => hub.get(node)?.notice(nodeId, name, copy));
			},
			serve(handler) {
				hub.set(nodeId, handler);
			},
			alive: async (node) => hub.has(node),
			close: async () => void hub.delete(nodeId)
		};
	}
}
