import type { Redis } from 'ioredis';
import { z } from 'zod';

/** What the creator's credentials page shows about a connected encoder. */
export const ingestStatusSchema = z.object({
	connectedAt: z.number(),
	/** Incoming bitrate over the last few seconds, in kbit/s. */
	bitrateKbps: z.number(),
	video: z.object({ codec: z.string(), profile: z.string().nullable(), width: z.number().nullable(), height: z.number().nullable() }).nullable(),
	audio: z.object({ codec: z.string() }).nullable(),
	/** How the bridge carries video: passed through as H.264, re-encoded to VP8, or none. */
	bridge: z.enum(['starting', 'passthrough', 'transcode', 'restarting', 'no-video']),
	bFrames: z.boolean(),
	keyframeIntervalMs: z.number().nullable()
});

export type IngestStatus = z.infer<typeof ingestStatusSchema>;

const key = (gigId: string) => `gs:ingest:${gigId}`;
// The node serving the stream refreshes it every 2 s: a status older than this belongs to a node that is gone.
const TTL_SECONDS = 6;

/** The live status of each gig's RTMP ingest, in Redis so any node can show it. */
export class IngestStatuses {
	constructor(private readonly redis: Redis) {}

	async set(gigId: string, status: IngestStatus): Promise<void> {
		await this.redis.set(key(gigId), JSON.stringify(status), 'EX', TTL_SECONDS);
	}

	async clear(gigId: string): Promise<void> {
		await this.redis.del(key(gigId));
	}

	async get(gigId: string): Promise<IngestStatus | null> {
		const raw = await this.redis.get(key(gigId));
		if (!raw) return null;
		const parsed = ingestStatusSchema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	}
}

/** This node's RTMP ingest, as pages need to know it. */
export type IngestSite = {
	/** Null when ingest is off, with the reason. */
	port: number | null;
	disabledReason: string | null;
	statuses: IngestStatuses;
};

// Like services(): the SvelteKit bundle and the server meet on a well-known global.
const KEY = Symbol.for('gigstage.ingest');

export function provideIngestSite(site: IngestSite): void {
	(globalThis as Record<symbol, unknown>)[KEY] = site;
}

export function ingestSite(): IngestSite | null {
	return ((globalThis as Record<symbol, unknown>)[KEY] as IngestSite | undefined) ?? null;
}
