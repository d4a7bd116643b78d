import type { Logger } from 'pino';
import { GigRoom, type GigRoomListener, type PeerId } from './gig-room.js';
import { mediaCodecs } from './media-codecs.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

export type SfuListener = GigRoomListener & {
	/** The gig's router was lost with its worker and re-created on another: its clients must rejoin. */
	gigRestarted(gigId: string): void;
};

/** The media plane: a pool of mediasoup workers and one GigRoom (Router) per live gig. */
export class Sfu {
	private readonly rooms = new Map<string, Promise<GigRoom>>();

	private constructor(
		private readonly pool: WorkerPool,
		private readonly listener: SfuListener,
		private readonly log: Logger
	) {}

	static async start(options: WorkerPoolOptions, listener: SfuListener, log: Logger): Promise<Sfu> {
		let sfu: Sfu | undefined;
		const pool = await WorkerPool.start(options, log, (slot) => sfu?.recoverGigsOf(slot));
		sfu = new Sfu(pool, listener, log);
		return sfu;
	}

	get workers() {
		return this.pool.workers;
	}

	/** The gig's room, created on the least-loaded worker on first use. */
	room(gigId: string): Promise<GigRoom> {
		let room = this.rooms.get(gigId);
		if (!room) {
			room = this.createRoom(gigId);
			this.rooms.set(gigId, room);
			room.catch(() => this.rooms.delete(gigId));
		}
		return room;
	}

	/** The gig's room if one is running now; never creates one. */
	async existingRoom(gigId: string): Promise<GigRoom | undefined> {
		return this.rooms.get(gigId)?.catch(() => undefined);
	}

	/** Closes the gig's room once nobody is in it, to give the worker its memory back. */
	async releaseIfEmpty(gigId: string): Promise<void> {
		const room = await this.existingRoom(gigId);
		if (room && room.peerCount === 0 && this.rooms.get(gigId)) {
			this.rooms.delete(gigId);
			room.close();
			this.log.info({ gigId }, 'gig room closed');
		}
	}

	leave(gigId: string, peerId: PeerId): Promise<void> {
		return this.existingRoom(gigId).then((room) => room?.closePeer(peerId));
	}

	async close(): Promise<void> {
		this.rooms.clear();
		await this.pool.close();
	}

	private async createRoom(gigId: string): Promise<GigRoom> {
		const pooled = await this.pool.leastLoaded();
		const router = await pooled.worker.createRouter({ mediaCodecs, appData: { gigId, slot: pooled.slot } });
		this.log.info({ gigId, slot: pooled.slot, pid: pooled.worker.pid }, 'gig room created');
		return new GigRoom(gigId, router, pooled.webRtcServer, this.listener, this.log);
	}

	/** A worker died: every gig it hosted gets a fresh room, then its clients are told to rejoin. */
	private async recoverGigsOf(slot: number): Promise<void> {
		const lost: string[] = [];
		for (const [gigId, pending] of this.rooms) {
			const room = await pending.catch(() => undefined);
			if (room && room.router.appData.slot === slot) lost.push(gigId);
		}
		for (const gigId of lost) this.rooms.delete(gigId);
		this.log.warn({ slot, gigs: lost }, 're-creating gigs of a dead worker');
		for (const gigId of lost) {
			try {
				await this.room(gigId);
				this.listener.gigRestarted(gigId);
			} catch (error) {
				this.log.error({ gigId, err: String(error) }, 'could not re-create gig room');
			}
		}
	}
}
