import type { Redis } from 'ioredis';
import { DomainError, fieldErrors } from '../errors.js';
import { newId, newSecret } from '../ids.js';
import { gigInputSchema, startOf, START_GRACE_MS, type Category, type GigInput } from './gig-input.js';
import { manages, mayCreateGigs, requireConfirmedEmail, type Actor } from '../access.js';
import { startsLongAfter } from '../../show-times.js';

export type GigStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';

export type Gig = GigInput & {
	id: string;
	creatorId: string;
	status: GigStatus;
	coverFile: string | null;
	createdAt: number;
	startedAt: number | null;
	/** When the show last ended (it may be resumed for a few minutes after). */
	endedAt: number | null;
	/** The start it was scheduled for, when the show began long before it (the start then moved to when it did). */
	scheduledFor: number | null;
};

export type GigPage = { gigs: Gig[]; nextCursor: string | null };
export type GigQuery = { category?: Category; q?: string; cursor?: string | null; limit?: number };

const SWAP_COVER = `
local previous = redis.call('HGET', KEYS[1], 'coverFile')
redis.call('HSET', KEYS[1], 'coverFile', ARGV[1])
return previous or ''
`;

const key = {
	gig: (id: string) => `gs:gig:${id}`,
	upcoming: (category?: string) => (category ? `gs:gigs:upcoming:${category}` : 'gs:gigs:upcoming'),
	live: 'gs:gigs:live',
	byCreator: (userId: string) => `gs:creator-gigs:${userId}`,
	streamKey: (streamKey: string) => `gs:stream-key:${streamKey}`
};

// A gig whose start passed by more than this without going live drops off the upcoming list.
const MAX_DURATION_MS = 10 * 3600 * 1000;
const SCAN_CHUNK = 50;
const SCAN_LIMIT = 1000; // bounds a title search per page

/** Gigs: what creators register, what the home page lists, and their OBS stream keys. */
export class Gigs {
	constructor(private readonly redis: Redis) {}

	async create(creator: Actor & { emailConfirmed?: boolean }, input: unknown, now = Date.now()): Promise<Gig> {
		if (!mayCreateGigs(creator)) throw new DomainError('FORBIDDEN', 'Only creators can create gigs: become a creator first.');
		requireConfirmedEmail(creator);
		const data = parseGigInput(input, { now });
		const creatorId = creator.id;
		const gig: Gig = { ...data, id: newId(), creatorId, status: 'scheduled', coverFile: null, createdAt: Date.now(), startedAt: null, endedAt: null, scheduledFor: null };
		const streamKey = newSecret();
		await this.redis
			.multi()
			.hset(key.gig(gig.id), { ...serialise(gig), streamKey })
			.set(key.streamKey(streamKey), gig.id)
			.zadd(key.upcoming(), gig.startsAt, gig.id)
			.zadd(key.upcoming(gig.category), gig.startsAt, gig.id)
			.zadd(key.byCreator(creatorId), gig.createdAt, gig.id)
			.exec();
		return gig;
	}

	async get(id: string): Promise<Gig | null> {
		if (!/^[a-z0-9-]{1,63}$/.test(id)) return null;
		const fields = await this.redis.hgetall(key.gig(id));
		return fields.id ? deserialise(fields) : null;
	}

	/** The gig if this user may manage it (its creator, or an admin). */
	async manageable(id: string, user: Actor): Promise<Gig> {
		const gig = await this.get(id);
		if (!gig) throw new DomainError('GIG_NOT_FOUND', 'There is no such gig.');
		if (!manages(gig, user)) throw new DomainError('FORBIDDEN', 'Only the gig’s creator can do that.');
		return gig;
	}

	async update(id: string, user: Actor, input: unknown, now = Date.now()): Promise<Gig> {
		const gig = await this.manageable(id, user);
		if (gig.status === 'cancelled') throw new DomainError('GIG_CANCELLED', 'This gig was cancelled.');
		if (gig.status !== 'scheduled') throw new DomainError('GIG_STARTED', 'A gig can be edited only before it starts.');
		// A start that has passed may stay only on a gig that already ran.
		const data = parseGigInput(input, { now, pastStart: gig.startedAt !== null ? gig.startsAt : null });
		const next: Gig = { ...gig, ...data };
		await this.redis
			.multi()
			.hset(key.gig(id), serialise(next))
			.zrem(key.upcoming(gig.category), id)
			.zadd(key.upcoming(), next.startsAt, id)
			.zadd(key.upcoming(next.category), next.startsAt, id)
			.exec();
		return next;
	}

	/** Points the gig at a new cover image; returns the file it replaced (null if none), in one step so two uploads cannot both keep the same old file. */
	async setCover(id: string, user: Actor, coverFile: string): Promise<string | null> {
		await this.manageable(id, user);
		const previous = await this.redis.eval(SWAP_COVER, 1, key.gig(id), coverFile);
		return typeof previous === 'string' && previous !== '' ? previous : null;
	}

	async cancel(id: string, user: Actor): Promise<Gig> {
		const gig = await this.manageable(id, user);
		if (gig.status === 'live') throw new DomainError('GIG_STARTED', 'End the show before cancelling the gig.');
		await this.unlist(gig).hset(key.gig(id), 'status', 'cancelled').exec();
		return { ...gig, status: 'cancelled' };
	}

	/**
	 * The show started (or resumed): the gig moves from "upcoming" to "live now". A first start long
	 * before the scheduled one moves the start to now, so the listing and ticket holders see it right.
	 */
	async markLive(id: string, startedAt: number): Promise<void> {
		const gig = await this.get(id);
		if (!gig || gig.status === 'cancelled') return;
		const fields: Record<string, string> = { status: 'live', startedAt: String(startedAt), endedAt: '' };
		if (gig.status === 'scheduled' && startsLongAfter(gig.startsAt, startedAt)) {
			fields.startsAt = String(startedAt);
			fields.scheduledFor = String(gig.startsAt);
		}
		await this.unlist(gig).zadd(key.live, startedAt, id).hset(key.gig(id), fields).exec();
	}

	async markEnded(id: string, now = Date.now()): Promise<void> {
		const gig = await this.get(id);
		if (!gig || gig.status !== 'live') return;
		await this.unlist(gig).hset(key.gig(id), { status: 'ended', endedAt: String(now) }).exec();
	}

	async streamKey(id: string, user: Actor): Promise<string> {
		await this.manageable(id, user);
		return (await this.redis.hget(key.gig(id), 'streamKey'))!;
	}

	/** A new stream key; the old one stops working at once. */
	async rotateStreamKey(id: string, user: Actor): Promise<string> {
		const old = await this.streamKey(id, user);
		const fresh = newSecret();
		await this.redis.multi().del(key.streamKey(old)).set(key.streamKey(fresh), id).hset(key.gig(id), 'streamKey', fresh).exec();
		return fresh;
	}

	async byStreamKey(streamKey: string): Promise<Gig | null> {
		const id = await this.redis.get(key.streamKey(streamKey));
		return id ? this.get(id) : null;
	}

	async live(query: Omit<GigQuery, 'cursor' | 'limit'> = {}): Promise<Gig[]> {
		const ids = await this.redis.zrevrange(key.live, 0, 99);
		return (await this.many(ids)).filter((g) => matches(g, query));
	}

	/**
	 * Upcoming gigs by start time, a page at a time. The cursor is the last gig's (start, id):
	 * Redis orders equal scores by member, so pages stay stable while gigs are added.
	 */
	async upcoming({ category, q, cursor, limit = 12 }: GigQuery = {}, now = Date.now()): Promise<GigPage> {
		const after = decodeCursor(cursor);
		const min = after ? after.startsAt : now - MAX_DURATION_MS;
		const found: Gig[] = [];
		let last: Gig | undefined;
		for (let offset = 0; offset < SCAN_LIMIT; offset += SCAN_CHUNK) {
			const ids = await this.redis.zrangebyscore(key.upcoming(category), min, '+inf', 'LIMIT', offset, SCAN_CHUNK);
			for (const gig of await this.many(ids)) {
				if (after && gig.startsAt === after.startsAt && gig.id <= after.id) continue;
				last = gig;
				if (gig.startsAt + gig.durationMinutes * 60_000 > now && matches(gig, { q })) found.push(gig);
				// One past the page tells there is a next page, so "more" never leads to an empty one.
				if (found.length > limit) {
					found.pop();
					return { gigs: found, nextCursor: encodeCursor(found.at(-1)!) };
				}
			}
			if (ids.length < SCAN_CHUNK) return { gigs: found, nextCursor: null };
		}
		// The search scanned its limit: let the next page go on from there.
		return { gigs: found, nextCursor: last ? encodeCursor(last) : null };
	}

	/** Scheduled gigs starting in (from, to]: what reminders look for. */
	async startingBetween(from: number, to: number): Promise<Gig[]> {
		const ids = await this.redis.zrangebyscore(key.upcoming(), `(${from}`, to, 'LIMIT', 0, 500);
		return (await this.many(ids)).filter((gig) => gig.status === 'scheduled');
	}

	async byCreator(userId: string): Promise<Gig[]> {
		return this.many(await this.redis.zrevrange(key.byCreator(userId), 0, 199));
	}

	private async many(ids: string[]): Promise<Gig[]> {
		if (ids.length === 0) return [];
		const pipeline = this.redis.pipeline();
		for (const id of ids) pipeline.hgetall(key.gig(id));
		const rows = (await pipeline.exec()) ?? [];
		return rows.map(([, fields]) => fields as Record<string, string>).filter((f) => f.id).map(deserialise);
	}

	private unlist(gig: Gig) {
		return this.redis.multi().zrem(key.upcoming(), gig.id).zrem(key.upcoming(gig.category), gig.id).zrem(key.live, gig.id);
	}
}

const PAST_START = 'Pick a start in the future';

/** The gig's fields, and a start that is still ahead (or `pastStart`, kept unchanged). */
function parseGigInput(input: unknown, { now, pastStart = null }: { now: number; pastStart?: number | null }): GigInput {
	const result = gigInputSchema.safeParse(input);
	const startsAt = result.success ? result.data.startsAt : startOf(input);
	const past = startsAt !== null && startsAt < now - START_GRACE_MS && startsAt !== pastStart;
	if (!result.success || past) {
		const fields = result.success ? {} : fieldErrors(result.error.issues);
		if (past) fields.startsAtLocal ??= PAST_START;
		throw new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', fields);
	}
	return result.data;
}

function matches(gig: Gig, { category, q }: { category?: Category; q?: string }): boolean {
	if (category && gig.category !== category) return false;
	return !q || gig.title.toLowerCase().includes(q.trim().toLowerCase());
}

function encodeCursor(gig: Gig): string {
	return Buffer.from(`${gig.startsAt}:${gig.id}`).toString('base64url');
}

function decodeCursor(cursor: string | null | undefined): { startsAt: number; id: string } | null {
	if (!cursor) return null;
	const [startsAt, id] = Buffer.from(cursor, 'base64url').toString().split(':');
	if (!id || !/^\d+$/.test(startsAt ?? '')) throw new DomainError('INVALID_INPUT', 'That page link is not valid.');
	return { startsAt: Number(startsAt), id };
}

function serialise(gig: Gig): Record<string, string> {
	return {
		id: gig.id,
		creatorId: gig.creatorId,
		title: gig.title,
		description: gig.description,
		category: gig.category,
		startsAt: String(gig.startsAt),
		timeZone: gig.timeZone,
		durationMinutes: String(gig.durationMinutes),
		priceMinor: String(gig.priceMinor),
		currency: gig.currency,
		capacity: gig.capacity === null ? '' : String(gig.capacity),
		audioOnly: gig.audioOnly ? '1' : '0',
		status: gig.status,
		coverFile: gig.coverFile ?? '',
		createdAt: String(gig.createdAt),
		startedAt: gig.startedAt === null ? '' : String(gig.startedAt),
		endedAt: gig.endedAt === null ? '' : String(gig.endedAt),
		scheduledFor: gig.scheduledFor === null ? '' : String(gig.scheduledFor)
	};
}

function deserialise(f: Record<string, string>): Gig {
	return {
		id: f.id!,
		creatorId: f.creatorId!,
		title: f.title!,
		description: f.description ?? '',
		category: f.category as Category,
		startsAt: Number(f.startsAt),
		timeZone: f.timeZone!,
		durationMinutes: Number(f.durationMinutes),
		priceMinor: Number(f.priceMinor),
		currency: f.currency as Gig['currency'],
		capacity: f.capacity ? Number(f.capacity) : null,
		audioOnly: f.audioOnly === '1',
		status: f.status as GigStatus,
		coverFile: f.coverFile || null,
		createdAt: Number(f.createdAt),
		startedAt: f.startedAt ? Number(f.startedAt) : null,
		endedAt: f.endedAt ? Number(f.endedAt) : null,
		scheduledFor: f.scheduledFor ? Number(f.scheduledFor) : null
	};
}
