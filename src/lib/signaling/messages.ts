/**
 * The signaling protocol between browsers and the server, on the Socket.IO namespace `/media`.
 * Every client request is `emit(name, payload, ack)`; the ack is `{ ok: result }` or
 * `{ error: { code, message } }`. The server validates every payload with these schemas; the client
 * uses the same types, so both sides agree by construction.
 */
import '../zod-without-eval.js';
import { z } from 'zod';

export const MEDIA_NAMESPACE = '/media';
/** Largest request payload the server reads, as JSON; an SDP-derived rtpParameters is a few KB. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

export const gigIdSchema = z
	.string()
	.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a gig id is 1-63 lowercase letters, digits or dashes');

const id = z.string().min(1).max(64);
// mediasoup validates the deep structure of these itself; we check the shape and bound the size.
const looseObject = z.looseObject({});
const rtpParameters = z.looseObject({
	codecs: z.array(looseObject).min(1).max(16),
	encodings: z.array(looseObject).max(8).optional(),
	headerExtensions: z.array(looseObject).max(32).optional()
});
const rtpCapabilities = z.looseObject({
	codecs: z.array(looseObject).max(64).optional(),
	headerExtensions: z.array(looseObject).max(64).optional()
});
const dtlsParameters = z.looseObject({
	role: z.enum(['auto', 'client', 'server']).optional(),
	fingerprints: z.array(z.object({ algorithm: z.string().max(16), value: z.string().max(256) })).min(1).max(8)
});

export const requests = {
	join: z.object({
		gigId: gigIdSchema,
		/** `guest`: a viewer the host brought on stage, publishing camera and microphone. */
		role: z.enum(['host', 'guest', 'viewer']),
		/** Identifies one studio tab across reconnects, so the host can take its own place back. */
		sessionKey: z.string().min(16).max(64).optional()
	}),
	'transport:create': z.object({ direction: z.enum(['send', 'recv']) }),
	'transport:connect': z.object({ transportId: id, dtlsParameters }),
	produce: z.object({
		transportId: id,
		kind: z.enum(['audio', 'video']),
		source: z.enum(['camera', 'microphone', 'screen', 'screen-audio']),
		rtpParameters
	}),
	'producer:close': z.object({ producerId: id }),
	/** `resume`: the host presses Resume show on a show that ended a moment ago. */
	'show:start': z.object({ resume: z.boolean().optional() }),
	'show:end': z.object({}),
	/** For the host's health panel: how many viewers get each quality layer of their video. */
	'show:layers': z.object({}),
	/** A sample of the server's clock (monotonic milliseconds, the media server's RTCP clock): viewers measure their delay with it. */
	'clock': z.object({}),
	consume: z.object({ transportId: id, producerId: id, rtpCapabilities }),
	'consumer:resume': z.object({ consumerId: id }),
	'consumer:layers': z.object({
		consumerId: id,
		spatialLayer: z.number().int().min(0).max(2),
		temporalLayer: z.number().int().min(0).max(2).optional()
	})
} as const;

export type RequestName = keyof typeof requests;
export type RequestPayload<N extends RequestName> = z.input<(typeof requests)[N]>;

export type ErrorCode =
	| 'BAD_REQUEST'
	| 'PAYLOAD_TOO_LARGE'
	| 'UNKNOWN_MESSAGE'
	| 'NOT_JOINED'
	| 'ALREADY_JOINED'
	| 'NOT_HOST'
	| 'LOGIN_REQUIRED'
	| 'GIG_NOT_FOUND'
	| 'GIG_CANCELLED'
	| 'TICKET_REQUIRED'
	/** Banned from this gig by its creator or an admin: no chat, no stream. */
	| 'BANNED'
	| 'GIG_HAS_HOST'
	/** Publishing as a guest needs a place on the gig's stage (accepted invitation). */
	| 'NOT_ON_STAGE'
	| 'NOTHING_TO_SHOW'
	/** The show ended: it stays ended, except for an explicit resume within a few minutes. */
	| 'SHOW_ENDED'
	| 'LIMIT_REACHED'
	| 'TRANSPORT_NOT_FOUND'
	| 'PRODUCER_NOT_FOUND'
	| 'CONSUMER_NOT_FOUND'
	| 'CANNOT_CONSUME'
	| 'WRONG_DIRECTION'
	| 'ALREADY_CONNECTED'
	| 'MEDIA_UNAVAILABLE'
	/** The server cannot reach its database for a moment: try again shortly. */
	| 'UNAVAILABLE'
	/** The server's storage is full: nothing new can be saved for now. */
	| 'STORAGE_FULL'
	| 'INTERNAL';

export type WireError = { code: ErrorCode; message: string };
export type Ack<T> = { ok: T } | { error: WireError };

export type ShowState = 'waiting' | 'live' | 'interrupted' | 'ended';
export type MediaSource = z.infer<(typeof requests)['produce']>['source'];
export type MediaRole = z.infer<(typeof requests)['join']>['role'];
/** Who a track shows: the host, or a guest on stage. */
export type Participant = { id: string; name: string; role: 'host' | 'guest' };
export type PublishedTrack = { producerId: string; kind: 'audio' | 'video'; source: MediaSource; participant: Participant };

/** What a viewer needs to render a gig: pushed as `show` whenever it changes. */
export type ShowSnapshot = {
	state: ShowState;
	startedAt: number | null;
	tracks: PublishedTrack[];
};

export type JoinResult = { rtpCapabilities: unknown; show: ShowSnapshot };
/** An RTCIceServer: STUN, or TURN with the short-lived credentials of this connection. */
export type IceServer = { urls: string[]; username?: string; credential?: string };
/** A new transport, and the ICE servers its browser end may use (TURN only with a place in the gig). */
export type TransportResult = { id: string; iceParameters: unknown; iceCandidates: unknown; dtlsParameters: unknown; iceServers: IceServer[] };
export type ConsumeResult = { id: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: unknown; type: string };

/** Server-to-client events. */
export type ServerEvents = {
	show: (snapshot: ShowSnapshot) => void;
	'consumer:closed': (event: { consumerId: string; producerId: string }) => void;
	/** The gig's media server restarted; every client of the gig joins again. */
	'gig:restart': () => void;
	/** This studio tab was replaced by the same host's newer connection. */
	'host:replaced': () => void;
};

/** What each request answers with on success. */
export type Results = {
	join: JoinResult;
	'transport:create': TransportResult;
	'transport:connect': null;
	produce: { producerId: string };
	'producer:close': null;
	'show:start': { state: ShowState; startedAt: number | null };
	'show:end': null;
	'show:layers': { layers: number[]; none: number };
	clock: { now: number };
	consume: ConsumeResult;
	'consumer:resume': null;
	'consumer:layers': null;
};
