import type { Logger } from 'pino';
import type { RtpCapabilities } from 'mediasoup/node/lib/RtpParameters';
import { GigRoom, type GigRoomListener, type PeerId, type TrackDirectory } from './gig-room.js';
import { mediaCodecs } from './media-codecs.js';
import { WorkerPool, type PooledWorker, type WorkerPoolOptions } from './worker-pool.js';
import { Placement } from './placement.js';
import { LocalNodeHub, type NodeChannel } from './node-channel.js';
import { NodePipes, type PipeSettings } from './node-pipes.js';

export type SfuListener = GigRoomListener;

export type SfuOptions = WorkerPoolOptions & {
	/** A worker takes new viewers of a gig it carries until it has this many consumers (default 500). */
	consumersPerWorker?: number;
	/** How this node reaches the others (default: none, a node on its own). */
	channel?: NodeChannel;
	/** Where tracks published on other nodes are found (default: nowhere). */
	directory?: TrackDirectory;
	/** This node's end of pipes to other nodes (default: the RTC listen address, no SRTP). */
	pipe?: PipeSettings;
};

// mediasoup's guidance, and under half of what bench:fanout measured one core carries (1,070-1,170
// consumers): a worker spills to the next well before it saturates (README, bench:fanout).
export const DEFAULT_CONSUMERS_PER_WORKER = 500;

/** What the media plane carries now, for metrics and tests. */
export type SfuCounts = {
	workers: { slot: number; pid: number; cpu: number; routers: number; transports: number; producers: number; consumers: number }[];
	/** Tracks arriving from other nodes, and this node's tracks sent to others. */
	nodePipes: { in: number; out: number };
	/** Pipes between this node's own routers. */
	routerPipes: number;
	/** Viewers (peers that publish nothing) per gig on this node. */
	viewers: Map<string, number>;
};

/**
 * The media plane of one node: a pool of mediasoup workers, one GigRoom per gig with viewers or
 * publishers here (spread over the workers, see Placement), and the pipes that bring tracks from
 * other nodes.
 */
export class Sfu {
	private readonly rooms = new Map<string, GigRoom>();
	private readonly placement: Placement;
	private readonly pipes: NodePipes;
	private readonly directory: TrackDirectory;

	private constructor(
		private readonly pool: WorkerPool,
		options: SfuOptions,
		readonly rtpCapabilities: RtpCapabilities,
		private readonly listener: SfuListener,
		private readonly log: Logger
	) {
		this.placement = new Placement(options.consumersPerWorker ?? DEFAULT_CONSUMERS_PER_WORKER);
		const channel = options.channel ?? new LocalNodeHub().channel('solo');
		const pipe = options.pipe ?? { listenIp: options.listenIp, announcedAddress: options.announcedAddress ?? options.listenIp, srtp: false };
		this.pipes = new NodePipes(channel, pipe, (gigId, producerId) => this.rooms.get(gigId)?.localProducer(producerId), log);
		// On its own, a node's tracks are all the gig has.
		this.directory = options.directory ?? { originOf: async () => null, trackCount: async (gigId) => this.rooms.get(gigId)?.producers().length ?? 0 };
	}

	static async start(options: SfuOptions, listener: SfuListener, log: Logger): Promise<Sfu> {
		// A dead worker's rooms find out through their transports (GigRoom tells their peers to rejoin).
		const pool = await WorkerPool.start(options, log, () => {});
		try {
			return new Sfu(pool, options, await probeCapabilities(pool.workers[0]!), listener, log);
		} catch (error) {
			await pool.close();
			throw error;
		}
	}

	get workers(): readonly PooledWorker[] {
		return this.pool.workers;
	}

	get nodeId(): string {
		return this.pipes.nodeId;
	}

	/** The gig's room on this node, created on first use (its routers come with its first transports). */
	room(gigId: string): GigRoom {
		let room = this.rooms.get(gigId);
		if (!room) {
			const { pool, placement, pipes, directory, rtpCapabilities, listener, log } = this;
			room = new GigRoom(gigId, { pool, placement, pipes, directory, rtpCapabilities, listener, log });
			this.rooms.set(gigId, room);
		}
		return room;
	}

	/** The gig's room if one is running now; never creates one. */
	existingRoom(gigId: string): GigRoom | undefined {
		return this.rooms.get(gigId);
	}

	/** Closes the gig's room once nobody is in it, to give the workers their memory back. */
	releaseIfEmpty(gigId: string): void {
		const room = this.rooms.get(gigId);
		if (room && room.peerCount === 0) {
			this.rooms.delete(gigId);
			room.close();
			this.log.info({ gigId }, 'gig room closed');
		}
	}

	leave(gigId: string, peerId: PeerId): void {
		this.rooms.get(gigId)?.closePeer(peerId);
	}

	counts(): SfuCounts {
		const viewers = new Map<string, number>();
		let routerPipes = 0;
		for (const [gigId, room] of this.rooms) {
			viewers.set(gigId, room.viewerCount);
			routerPipes += room.pipeCount;
		}
		const workers = this.pool.workers.map((w) => ({ slot: w.slot, pid: w.worker.pid, cpu: w.cpu, ...w.counts }));
		return { workers, nodePipes: this.pipes.counts, routerPipes, viewers };
	}

	async close(): Promise<void> {
		for (const room of this.rooms.values()) room.close();
		this.rooms.clear();
		this.pipes.close();
		await this.pool.close();
	}
}

/** Every gig router is made from the same codecs, so one throwaway router tells their capabilities. */
async function probeCapabilities(worker: PooledWorker): Promise<RtpCapabilities> {
	const router = await worker.worker.createRouter({ mediaCodecs });
	const capabilities = router.rtpCapabilities;
	router.close();
	return capabilities;
}
