import { z } from 'zod';
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
import { GigStream, ingestPeerId } from './gig-stream.js';
import { refusals, type IngestRefusal } from './refusals.js';
import { mayResume } from '../../src/lib/show-times.js';
import { RTMP_APP, RtmpServer, type PublishAttempt, type RtmpPublisher } from './rtmp-server.js';

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
	/** The bridge processes now running, by gig (for the benchmark's CPU readings). */
	bridgePids(): Map<string, number>;
	close(): Promise<void>;
};

/** A gig taken by an admitted publisher; its stream starts once node-media-server has the publish. */
type Reservation = { sessionId: string; participant: Participant; stream: GigStream | null };

// Stream keys are 24 random bytes in base64url (src/lib/server/ids.ts); anything else is not one.
const streamKeySchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/**
 * OBS/RTMP ingest: an RTMP listener whose publishes are checked against gigs' stream keys and the
 * gig's host seat, and a GigStream per admitted publisher. Off, with the reason logged, when
 * RTMP_ENABLED=false, ffmpeg is missing or the port is taken: everything else works without it.
 */
export async function startIngest(config: Config, deps: IngestDeps): Promise<Ingest> {
	const { log } = deps;
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
	let port = 0;
	const gate = {
		admit: (attempt: PublishAttempt) => admit(attempt, deps, streams),
		published(publisher: RtmpPublisher) {
			const entry = [...streams.entries()].find(([, e]) => e.sessionId === publisher.id);
			if (!entry) return publisher.close();
			const [gigId, reserved] = entry;
			const stream = new GigStream(gigId, reserved.participant, publisher, {
				...deps,
				ffmpegPath,
				transcode: config.RTMP_TRANSCODE ?? 'auto',
				playUrl: (key) => rtmp.playUrl(port, key),
				keyStillValid: async (key) => (await deps.domain.gigs.byStreamKey(key))?.id === gigId
			});
			reserved.stream = stream;
			log.info({ gigId, peerId: stream.peerId, address: publisher.address }, 'RTMP publisher connected');
			void stream.start().finally(() => {
				if (streams.get(gigId) === reserved) streams.delete(gigId);
			});
		}
	};
	const rtmp = new RtmpServer(gate, log);
	const host = config.RTMP_HOST ?? config.HOST;
	try {
		port = await rtmp.listen(config.RTMP_PORT, host);
	} catch (err) {
		log.error({ err, port: config.RTMP_PORT, host }, 'OBS/RTMP ingest disabled: cannot listen on its port; everything else works');
		return off('The server could not open its RTMP port.');
	}
	log.info({ rtmp: `rtmp://${host}:${port}/${RTMP_APP}`, ffmpeg: ffmpeg.version, transcode: config.RTMP_TRANSCODE ?? 'auto' }, 'OBS/RTMP ingest is up');

	return {
		port,
		disabledReason: null,
		bridgePids() {
			const pids = new Map<string, number>();
			for (const [gigId, { stream }] of streams) {
				const pid = stream?.bridgePid;
				if (pid) pids.set(gigId, pid);
			}
			return pids;
		},
		async close() {
			const running = [...streams.values()].map((e) => e.stream).filter((s): s is GigStream => s !== null);
			for (const stream of running) stream.shutdown();
			await rtmp.close();
			await Promise.all(running.map((s) => s.done));
		}
	};
}

async function admit(
	attempt: PublishAttempt,
	{ domain, shows, log }: IngestDeps,
	streams: Map<string, Reservation>
): Promise<IngestRefusal | null> {
	if (attempt.app !== RTMP_APP) return refusals.wrongApp();
	const key = streamKeySchema.safeParse(attempt.streamKey);
	const gig = key.success ? await domain.gigs.byStreamKey(key.data) : null;
	if (!gig) return refusals.unknownKey();
	if (gig.status === 'cancelled') return refusals.cancelled();
	// An ended show stays ended; streaming again within minutes of the end resumes it (a stop by mistake).
	if (gig.status === 'ended' && !mayResume(gig.endedAt)) return refusals.ended();
	const creator = await domain.accounts.user(gig.creatorId);
	// Reserved before the seat is claimed: two publishers checked at once cannot both take the gig.
	if (streams.has(gig.id)) return refusals.alreadyPublishing();
	const reservation: Reservation = { sessionId: attempt.sessionId, stream: null, participant: { id: gig.creatorId, name: creator ? publicName(creator) : 'Host', role: 'host' } };
	streams.set(gig.id, reservation);
	const peerId = ingestPeerId(attempt.sessionId);
	const claim = await shows.claimHost(gig.id, peerId, undefined).catch(() => ({ ok: false }) as const);
	if (!claim.ok) {
		if (streams.get(gig.id) === reservation) streams.delete(gig.id);
		return refusals.studioHost();
	}
	log.info({ gigId: gig.id, peerId }, 'RTMP publish admitted');
	return null;
}
