import { z } from 'zod';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Sfu } from '../../sfu/sfu.js';
import type { Participant } from '../../sfu/gig-room.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { Services } from '../../src/lib/server/services.js';
import type { ShowControl } from '../signaling/show-lifecycle.js';
import { publicName } from '../../src/lib/server/accounts/accounts.js';
import { IngestStatuses } from '../../src/lib/server/ingest/ingest-status.js';
import { checkFfmpeg } from '../../sfu/ingest/ffmpeg-process.js';
import { GigStream, ingestPeerId, ingestSeatKey, type Departure } from './gig-stream.js';
import { refusals, type IngestRefusal } from './refusals.js';
import { mayResume } from '../../src/lib/show-times.js';
import { RTMP_APP, RtmpServer, type PublishAttempt, type RtmpPublisher } from './rtmp-server.js';
import { ShowHolds, type HeldShow } from './show-holds.js';
import { defaultReencodeCapacity, ReencodeSlots } from './reencode-slots.js';

export type IngestDeps = {
	domain: Pick<Services, 'gigs' | 'accounts'>;
	statuses: IngestStatuses;
	sfu: Sfu;
	shows: Shows;
	control: ShowControl;
	log: Logger;
};

export type Ingest = {
	/** The bound RTMP port, or null when ingest is off. */
	port: number | null;
	disabledReason: string | null;
	/** The bridge processes now running (one ffmpeg per track), by gig (for the benchmark's CPU readings). */
	bridgePids(): Map<string, number[]>;
	close(): Promise<void>;
};

/** The RTMP settings with their defaults filled in. */
export function ingestSettings(config: Config) {
	return {
		reencodeMax: config.RTMP_REENCODE_MAX ?? defaultReencodeCapacity(os.availableParallelism()),
		graceSeconds: { dropped: config.RTMP_RECONNECT_GRACE_SECONDS ?? 60, stopped: config.RTMP_STOP_GRACE_SECONDS ?? 15 },
		limits: {
			maxConnections: config.RTMP_MAX_CONNECTIONS ?? 200,
			maxPerAddress: config.RTMP_MAX_CONNECTIONS_PER_ADDRESS ?? 8,
			startDeadlineMs: (config.RTMP_START_SECONDS ?? 10) * 1000
		}
	};
}

/** A gig taken by an admitted publisher; its stream starts once the publisher is told it may send. */
type Reservation = { sessionId: string; participant: Participant; resumes: HeldShow | null; stream: GigStream | null };

// An encoder back on a new connection while its old one has sent nothing for this long: the old
// one is a dropped connection the server has not noticed yet (no FIN arrived), so the new one takes over.
const STALLED_MS = 2000;

// Stream keys are 24 random bytes in base64url (src/lib/server/ids.ts); anything else is not one.
const streamKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/**
 * OBS/RTMP ingest: an RTMP listener whose publishes are checked against gigs' stream keys and the
 * gig's host seat, and a GigStream per admitted publisher. Off, with the reason logged, when
 * RTMP_ENABLED=false, ffmpeg is missing or the port is taken: everything else works without it.
 */
export async function startIngest(config: Config, deps: IngestDeps): Promise<Ingest> {
	const { log, shows, control, statuses } = deps;
	const off = (reason: string): Ingest => ({ port: null, disabledReason: reason, bridgePids: () => new Map(), close: async () => {} });
	if (config.RTMP_ENABLED === 'false') {
		log.info('OBS/RTMP ingest is off (RTMP_ENABLED=false)');
		return off('RTMP ingest is turned off on this server.');
	}
	const ffmpegPath = config.FFMPEG_PATH ?? 'ffmpeg';
	const ffmpeg = await checkFfmpeg(ffmpegPath);
	if (!ffmpeg.ok) {
		log.warn({ ffmpegPath, reason: ffmpeg.reason }, 'OBS/RTMP ingest disabled: ffmpeg is missing (install ffmpeg or set FFMPEG_PATH); everything else works');
		return off('RTMP ingest needs ffmpeg on the server, which is not installed.');
	}

	// Reserved at admission, so a second publisher is refused even before the first one's media runs.
	const streams = new Map<string, Reservation>();
	// Every stream until its cleanup is done (a departed one leaves `streams` at once), for close() to wait on.
	const running = new Set<GigStream>();
	const settings = ingestSettings(config);
	const slots = new ReencodeSlots(settings.reencodeMax);
	const graceMs = { dropped: settings.graceSeconds.dropped * 1000, stopped: settings.graceSeconds.stopped * 1000 };
	const holds = new ShowHolds((held) => void endHeldShow(held, { shows, control, statuses, log }, streams));

	const left = (stream: GigStream, departure: Departure) => {
		if (streams.get(stream.gigId)?.stream === stream) streams.delete(stream.gigId);
		slots.release(stream.gigId);
		if (departure !== 'hold') return;
		const grace = stream.stoppedCleanly ? graceMs.stopped : graceMs.dropped;
		// A stream that came back and left again before its picture keeps the first grace's end.
		const until = stream.resumes?.until ?? Date.now() + grace;
		holds.hold({ gigId: stream.gigId, streamKey: stream.streamKey, until, stoppedCleanly: stream.stoppedCleanly });
		log.info({ gigId: stream.gigId, graceMs: until - Date.now(), stoppedCleanly: stream.stoppedCleanly }, 'RTMP encoder gone mid-show; show held for it');
		void statuses.paused(stream.gigId, { until, stoppedCleanly: stream.stoppedCleanly }).catch((err: unknown) => log.warn({ err }, 'could not record the pause'));
	};

	const gate = {
		admit: (attempt: PublishAttempt) => admit(attempt, deps, streams, holds),
		published(publisher: RtmpPublisher) {
			const entry = [...streams.entries()].find(([, e]) => e.sessionId === publisher.id);
			if (!entry) return publisher.close();
			const [gigId, reserved] = entry;
			const stream = new GigStream(
				gigId,
				reserved.participant,
				publisher,
				{
					...deps,
					slots,
					graceMs,
					ffmpegPath,
					transcode: config.RTMP_TRANSCODE ?? 'auto',
					keyStillValid: async (key) => (await deps.domain.gigs.byStreamKey(key))?.id === gigId,
					left,
					streaming: (id) => streams.get(id)?.stream != null
				},
				reserved.resumes
			);
			reserved.stream = stream;
			log.info({ gigId, peerId: stream.peerId, resumes: reserved.resumes !== null }, 'RTMP publisher connected');
			running.add(stream);
			void stream.start().finally(() => running.delete(stream));
		}
	};
	const rtmp = new RtmpServer(gate, settings.limits, log);
	const host = config.RTMP_HOST ?? config.HOST;
	let port: number;
	try {
		port = await rtmp.listen(config.RTMP_PORT, host);
	} catch (err) {
		log.error({ err, port: config.RTMP_PORT, host }, 'OBS/RTMP ingest disabled: cannot listen on its port; everything else works');
		return off('The server could not open its RTMP port.');
	}
	log.info({ rtmp: `rtmp://${host}:${port}/${RTMP_APP}`, ffmpeg: ffmpeg.version, transcode: config.RTMP_TRANSCODE ?? 'auto', reencodeSlots: slots.capacity }, 'OBS/RTMP ingest is up');

	return {
		port,
		disabledReason: null,
		bridgePids() {
			const pids = new Map<string, number[]>();
			for (const [gigId, { stream }] of streams) {
				if (stream?.bridgePids.length) pids.set(gigId, stream.bridgePids);
			}
			return pids;
		},
		async close() {
			holds.releaseAll();
			const all = [...running];
			for (const stream of all) stream.shutdown();
			await rtmp.close();
			await Promise.all(all.map((s) => s.done));
		}
	};
}

async function admit(attempt: PublishAttempt, { domain, shows, statuses, log }: IngestDeps, streams: Map<string, Reservation>, holds: ShowHolds): Promise<IngestRefusal | null> {
	if (attempt.app !== RTMP_APP) return refusals.wrongApp();
	const key = streamKeySchema.safeParse(attempt.streamKey);
	const gig = key.success ? await domain.gigs.byStreamKey(key.data) : null;
	if (!gig) return refusals.unknownKey();
	if (gig.status === 'cancelled') return refusals.cancelled();
	// An ended show stays ended; streaming again within minutes of the end resumes it (a stop by mistake).
	if (gig.status === 'ended' && !mayResume(gig.endedAt)) return refusals.ended();
	const creator = await domain.accounts.user(gig.creatorId);
	const current = streams.get(gig.id)?.stream;
	if (current && current.streamKey === attempt.streamKey && current.silentMs > STALLED_MS) {
		log.info({ gigId: gig.id, silentMs: current.silentMs }, 'RTMP encoder back while its old connection is silent; the old one is closed');
		await current.supersede();
	}
	// From here on synchronous: two publishers checked at once cannot both take the gig.
	const refusal = ((): IngestRefusal | null => {
		if (streams.has(gig.id)) return refusals.alreadyPublishing();
		const held = holds.held(gig.id);
		if (held && held.streamKey !== attempt.streamKey) return refusals.showHeld(Math.max(1, Math.ceil((held.until - Date.now()) / 1000)));
		// The same seat key as the encoder that left: a resume takes its seat over even before its cleanup ran.
		if (!shows.claimHost(gig.id, ingestPeerId(attempt.sessionId), ingestSeatKey(gig.id)).ok) return refusals.studioHost();
		return null;
	})();
	if (refusal) {
		await statuses.refused(gig.id, refusal).catch(() => {});
		return refusal;
	}
	const resumes = holds.held(gig.id);
	holds.release(gig.id);
	if (resumes) void statuses.resumed(gig.id).catch(() => {});
	streams.set(gig.id, { sessionId: attempt.sessionId, stream: null, resumes, participant: { id: gig.creatorId, name: creator ? publicName(creator) : 'Host', role: 'host' } });
	log.info({ gigId: gig.id, peerId: ingestPeerId(attempt.sessionId), resumes: resumes !== null }, 'RTMP publish admitted');
	return null;
}

/** A held show's grace ran out: it ends, unless someone else (the studio) hosts it by now. */
async function endHeldShow(
	held: HeldShow,
	{ shows, control, statuses, log }: Pick<IngestDeps, 'shows' | 'control' | 'statuses' | 'log'>,
	streams: Map<string, Reservation>
): Promise<void> {
	try {
		await statuses.resumed(held.gigId);
		if (streams.has(held.gigId) || shows.state(held.gigId).state !== 'interrupted') return;
		const seat = `rtmp-hold:${held.gigId}`;
		if (!shows.claimHost(held.gigId, seat, undefined).ok) return;
		log.info({ gigId: held.gigId, stoppedCleanly: held.stoppedCleanly }, 'RTMP encoder did not come back within the grace; show ended');
		await control.end(held.gigId);
		shows.hostLeft(held.gigId, seat);
	} catch (err) {
		log.error({ gigId: held.gigId, err }, 'ending a held show failed');
	}
}
