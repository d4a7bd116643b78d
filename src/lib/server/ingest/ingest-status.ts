import type { Redis } from 'ioredis';
import { z } from 'zod';

/** What the creator's credentials page shows about a connected encoder. */
export const ingestStatusSchema = z.object({
	connectedAt: z.number(),
	/** Incoming bitrate over the last few seconds, in kbit/s. */
	bitrateKbps: z.number(),
	video: z
		.object({
			codec: z.string(),
			profile: z.string().nullable(),
			width: z.number().nullable(),
			height: z.number().nullable(),
			fps: z.number().nullable()
		})
		.nullable(),
	audio: z.object({ codec: z.string() }).nullable(),
	/** How the bridge carries video: passed through as H.264, re-encoded to VP8, or none. */
	bridge: z.enum(['starting', 'passthrough', 'transcode', 'restarting', 'no-video']),
	/** Why it re-encodes (the creator is told in words), or why video is left out. */
	videoReason: z.enum(['configured', 'b-frames', 'codec', 'profile', 'no-video', 'not-playable']).nullable(),
	bFrames: z.boolean(),
	keyframeIntervalMs: z.number().nullable(),
	/** Frames the encoder holds back before sending (x264's options), and why. */
	encoderDelay: z.object({ frames: z.number(), because: z.array(z.string()) }).nullable()
});

export type IngestStatus = z.infer<typeof ingestStatusSchema>;

/** A dropped or stopped encoder's show, waiting for it to come back until `until`. */
export const ingestPauseSchema = z.object({ until: z.number(), stoppedCleanly: z.boolean() });
export type IngestPause = z.infer<typeof ingestPauseSchema>;

/** The last refused publish of this gig's key, for the credentials page. */
export const ingestRefusalSchema = z.object({ code: z.string(), message: z.string(), at: z.number() });
export type IngestRefusalNote = z.infer<typeof ingestRefusalSchema>;

const key = {
	status: (gigId: string) => `gs:ingest:${gigId}`,
	pause: (gigId: string) => `gs:ingest-pause:${gigId}`,
	refusal: (gigId: string) => `gs:ingest-refusal:${gigId}`
};
// The node serving the stream refreshes it every 2 s: a status older than this belongs to a node that is gone.
const TTL_SECONDS = 6;
// Long enough for the creator to look at the page after OBS said "disconnected".
const REFUSAL_TTL_SECONDS = 15 * 60;

async function read<T>(redis: Redis, redisKey: string, schema: z.ZodType<T>): Promise<T | null> {
	const raw = await redis.get(redisKey);
	if (!raw) return null;
	try {
		const parsed = schema.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

/** The live status of each gig's RTMP ingest, in Redis so any node can show it. */
export class IngestStatuses {
	constructor(private readonly redis: Redis) {}

	async set(gigId: string, status: IngestStatus): Promise<void> {
		// An encoder streaming again replaces what was said about its last refusal or pause.
		await this.redis.multi().set(key.status(gigId), JSON.stringify(status), 'EX', TTL_SECONDS).del(key.refusal(gigId), key.pause(gigId)).exec();
	}

	async clear(gigId: string): Promise<void> {
		await this.redis.del(key.status(gigId));
	}

	async get(gigId: string): Promise<IngestStatus | null> {
		return read(this.redis, key.status(gigId), ingestStatusSchema);
	}

	/** The show waits for the encoder until `pause.until`; the record goes with it. */
	async paused(gigId: string, pause: IngestPause): Promise<void> {
		const ms = Math.max(1, pause.until - Date.now());
		await this.redis.set(key.pause(gigId), JSON.stringify(pause), 'PX', ms);
	}

	async resumed(gigId: string): Promise<void> {
		await this.redis.del(key.pause(gigId));
	}

	async pause(gigId: string): Promise<IngestPause | null> {
		return read(this.redis, key.pause(gigId), ingestPauseSchema);
	}

	async refused(gigId: string, refusal: { code: string; message: string }): Promise<void> {
		await this.redis.set(key.refusal(gigId), JSON.stringify({ ...refusal, at: Date.now() }), 'EX', REFUSAL_TTL_SECONDS);
	}

	async refusal(gigId: string): Promise<IngestRefusalNote | null> {
		return read(this.redis, key.refusal(gigId), ingestRefusalSchema);
	}
}

/** This node's RTMP ingest, as pages need to know it. */
export type IngestSite = {
	/** Null when ingest is off, with the reason. */
	port: number | null;
	disabledReason: string | null;
	statuses: IngestStatuses;
	/** How long a show waits for a dropped encoder, and after OBS's "Stop Streaming". */
	grace: { droppedSeconds: number; stoppedSeconds: number };
};

// Like services(): the SvelteKit bundle and the server meet on a well-known global.
const KEY = Symbol.for('gigstage.ingest');

export function provideIngestSite(site: IngestSite): void {
	(globalThis as Record<symbol, unknown>)[KEY] = site;
}

export function ingestSite(): IngestSite | null {
	return ((globalThis as Record<symbol, unknown>)[KEY] as IngestSite | undefined) ?? null;
}
