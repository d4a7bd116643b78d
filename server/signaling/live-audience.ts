import type { Namespace } from 'socket.io';
import type { Logger } from 'pino';
import type { Audience } from '../../src/lib/server/chat/audience.js';
import type { ViewerCount } from '../../src/lib/live/messages.js';
import type { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { newId } from '../../src/lib/server/ids.js';
import { gigFollowers, HOME_ROOM } from './live-rooms.js';

/** A gig's count goes out at most this often from one node. */
const ANNOUNCE_INTERVAL_MS = 1000;
const FOLLOWED_ROOM = /^gig:([a-z0-9-]+)(?::public)?$/;

/**
 * This node's share of the viewer counts: the people it serves in each gig, kept fresh in Redis
 * by a heartbeat, and the counts announced (through the adapter, to every node) when they change.
 * The heartbeat also recounts every gig this node's clients follow, so when another node dies
 * its viewers' expiry reaches the pages here too.
 */
export class AudienceTracker {
	readonly nodeId = newId();
	/** gigId -> userId -> connections on this node */
	private readonly watching = new Map<string, Map<string, number>>();
	private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
	private readonly lastAnnounced = new Map<string, number>();
	private readonly heartbeat: ReturnType<typeof setInterval>;
	private closed = false;

	constructor(
		private readonly audience: Audience,
		private readonly namespace: Namespace,
		private readonly gigs: Pick<Gigs, 'live'>,
		private readonly log: Logger,
		/** The event the counts go out as, and who else hears of each count (the show's numbers). */
		private readonly options: { event?: 'viewers' | 'backstage'; counted?: (count: ViewerCount) => Promise<void> } = {}
	) {
		// Three beats per time-to-live: one late beat does not drop anyone.
		this.heartbeat = setInterval(() => void this.beat(), Math.max(200, audience.ttlMs / 3));
		this.heartbeat.unref();
	}

	/** One more connection of this person watches the gig. The Redis write is issued before this returns. */
	enter(gigId: string, userId: string): Promise<void> {
		let people = this.watching.get(gigId);
		if (!people) this.watching.set(gigId, (people = new Map()));
		const connections = people.get(userId) ?? 0;
		people.set(userId, connections + 1);
		if (connections > 0) return Promise.resolve();
		const written = this.audience.keep(gigId, this.nodeId, [userId]);
		this.announceSoon(gigId);
		return written;
	}

	leave(gigId: string, userId: string): Promise<void> {
		const people = this.watching.get(gigId);
		const connections = people?.get(userId) ?? 0;
		if (!people || connections === 0) return Promise.resolve();
		if (connections > 1) {
			people.set(userId, connections - 1);
			return Promise.resolve();
		}
		people.delete(userId);
		if (people.size === 0) this.watching.delete(gigId);
		const written = this.audience.leave(gigId, this.nodeId, userId);
		this.announceSoon(gigId);
		return written;
	}

	/** Stops the heartbeat and takes this node's viewers out of the counts. */
	async close(): Promise<void> {
		this.closed = true;
		clearInterval(this.heartbeat);
		for (const timer of this.pending.values()) clearTimeout(timer);
		this.pending.clear();
		const leaving = [...this.watching].flatMap(([gigId, people]) => [...people.keys()].map((userId) => this.audience.leave(gigId, this.nodeId, userId)));
		this.watching.clear();
		await Promise.allSettled(leaving);
	}

	/** Announces the gig's count soon: at once if this node has not lately, else when it may again. */
	private announceSoon(gigId: string): void {
		if (this.closed || this.pending.has(gigId)) return;
		const wait = Math.max(0, (this.lastAnnounced.get(gigId) ?? 0) + ANNOUNCE_INTERVAL_MS - Date.now());
		const timer = setTimeout(() => {
			this.pending.delete(gigId);
			this.lastAnnounced.set(gigId, Date.now());
			void this.announce(gigId);
		}, wait);
		this.pending.set(gigId, timer);
	}

	private async announce(gigId: string): Promise<void> {
		try {
			const { changed, ...count } = await this.audience.announce(gigId);
			if (changed) this.namespace.to(gigFollowers(gigId)).emit(this.options.event ?? 'viewers', count);
			await this.options.counted?.(count);
		} catch (error) {
			this.log.warn({ gigId, err: error }, 'could not count a gig’s viewers');
		}
	}

	private async beat(): Promise<void> {
		try {
			await Promise.all([...this.watching].map(([gigId, people]) => this.audience.keep(gigId, this.nodeId, [...people.keys()])));
			for (const gigId of await this.followedGigs()) this.announceSoon(gigId);
		} catch (error) {
			this.log.warn({ err: error }, 'viewer heartbeat failed');
		}
	}

	/** Gigs whose counts someone on this node sees: its viewers' gigs, open gig pages, and home pages' live gigs. */
	private async followedGigs(): Promise<Set<string>> {
		const gigIds = new Set(this.watching.keys());
		for (const room of this.namespace.adapter.rooms.keys()) {
			const followed = FOLLOWED_ROOM.exec(room);
			if (followed) gigIds.add(followed[1]!);
		}
		if (this.namespace.adapter.rooms.has(HOME_ROOM)) for (const gig of await this.gigs.live()) gigIds.add(gig.id);
		return gigIds;
	}
}
