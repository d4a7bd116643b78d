import type { Namespace, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { DtlsParameters } from 'mediasoup/node/lib/WebRtcTransport';
import type { RtpCapabilities, RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { Sfu } from '../../sfu/sfu.js';
import type { GigRoom } from '../../sfu/gig-room.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { Gigs } from '../../src/lib/server/gigs/gigs.js';
import type { Webhooks } from '../../src/lib/server/webhooks/webhooks.js';
import type { Stage } from '../../src/lib/server/chat/stage.js';
import type { Audience } from '../../src/lib/server/chat/audience.js';
import type { ShowNumbers } from '../../src/lib/server/chat/show-numbers.js';
import { publicName } from '../../src/lib/server/accounts/accounts.js';
import type { MediaAccess } from './media-access.js';
import type { JoinResult, MediaRole, ShowSnapshot } from '../../src/lib/signaling/messages.js';
import { SignalingError, type Handlers } from './request.js';
import type { ShowControl } from './show-lifecycle.js';
import type { Turns } from './turns.js';
import type { IceServers } from './ice-servers.js';
import { mayResume, RESUME_WINDOW_MS } from '../../src/lib/show-times.js';

export type MediaContext = {
	sfu: Sfu;
	shows: Shows;
	gigs: Gigs;
	webhooks: Pick<Webhooks, 'gigLive' | 'gigEnded'>;
	stage: Stage;
	/** Who watches (for the show's numbers when it goes on air), and the numbers themselves. */
	audience: Audience;
	numbers: ShowNumbers;
	access: MediaAccess;
	iceServers: IceServers;
	namespace: Namespace;
	log: Logger;
};

/**
 * Who a connection is in the gig it joined, and the gig room its media lives in. A new object on
 * every join: a request that awaited can tell whether the join it started under still stands.
 */
export type Membership = { gigId: string; role: MediaRole; room: GigRoom };

// Guests bring themselves: a screen share stays the host's.
const GUEST_SOURCES = new Set(['camera', 'microphone']);

export const gigChannel = (gigId: string) => `gig:${gigId}`;

/** What viewers of a gig should see now; tracks are listed only while the show is live. */
export async function showSnapshot(ctx: MediaContext, gigId: string): Promise<ShowSnapshot> {
	let { state, startedAt } = ctx.shows.state(gigId);
	// This node has not seen the show (it restarted, or another node hosted it): the gig knows it ended.
	if (state === 'waiting' && (await ctx.gigs.get(gigId))?.status === 'ended') state = 'ended';
	const room = state === 'live' ? await ctx.sfu.existingRoom(gigId) : undefined;
	const tracks = (room?.producers() ?? []).flatMap(({ id, kind, source, participant }) => (participant ? [{ producerId: id, kind, source, participant }] : []));
	return { state, startedAt, tracks };
}

/** Media is served by the node that hosts the gig's router, so its news stays on this node. */
export async function broadcastShow(ctx: MediaContext, gigId: string): Promise<void> {
	ctx.namespace.local.to(gigChannel(gigId)).emit('show', await showSnapshot(ctx, gigId));
}

/**
 * The request handlers of one connection, one function per message. Each reads in the house
 * order: guard, await, re-check, act. After every await a handler checks that its connection is
 * still connected and still in the same join before it creates anything, and closes what an
 * await produced if it is not. `joins` runs the connection's joins one at a time.
 */
export function mediaHandlers(socket: Socket, ctx: MediaContext, show: ShowControl, joins: Turns): Handlers {
	const peerId = socket.id;
	const membership = (): Membership => {
		const m = socket.data.membership as Membership | undefined;
		if (!m) throw new SignalingError('NOT_JOINED', 'join a gig first');
		return m;
	};
	/** The re-check after an await: still connected, still in the join `m`. */
	const still = (m: Membership): void => {
		if (socket.disconnected || socket.data.membership !== m) throw new SignalingError('NOT_JOINED', 'this connection left the gig while its request was under way');
	};
	/** Keeps what an await created only while the join that asked for it stands. */
	const keep = <T>(m: Membership, created: T, id: (created: T) => string): T => {
		try {
			still(m);
		} catch (error) {
			m.room.discard(peerId, id(created));
			throw error;
		}
		return created;
	};
	/** Membership, re-checked against tickets and sessions: media requests are gated every time. */
	const allowed = async (): Promise<Membership> => {
		const m = membership();
		await ctx.access.check(socket, m.gigId, m.role);
		still(m);
		return m;
	};
	const hostOnly = async (): Promise<Membership> => {
		const m = await allowed();
		if (m.role !== 'host' || !ctx.shows.isHost(m.gigId, peerId)) throw new SignalingError('NOT_HOST', 'only the gig’s host can do this');
		return m;
	};
	/** The host, or a guest on stage: whoever may send media into the gig. */
	const publisher = async (): Promise<Membership> => {
		const m = membership();
		if (m.role === 'guest') return allowed();
		return hostOnly();
	};

	return {
		join: (request) => joins.run(() => joinGig(socket, ctx, show, request)),

		async 'transport:create'({ direction }) {
			const m = direction === 'send' ? await publisher() : await allowed();
			const transport = keep(m, await m.room.createTransport(peerId, direction), (t) => t.id);
			// Past the media gate: only now does the browser learn the TURN credentials.
			return { ...transport, iceServers: ctx.iceServers.for(peerId) };
		},

		async 'transport:connect'({ transportId, dtlsParameters }) {
			const m = await allowed();
			await m.room.connectTransport(peerId, transportId, dtlsParameters as DtlsParameters);
		},

		async produce({ transportId, kind, source, rtpParameters }) {
			const m = await publisher();
			if (m.role === 'guest' && !GUEST_SOURCES.has(source)) throw new SignalingError('BAD_REQUEST', 'guests on stage send their camera and microphone only');
			const producer = keep(m, await m.room.produce(peerId, transportId, kind, rtpParameters as RtpParameters, source), (p) => p.id);
			await show.changed(m.gigId);
			return { producerId: producer.id };
		},

		async 'producer:close'({ producerId }) {
			const m = await publisher();
			m.room.closeProducer(peerId, producerId);
			await show.changed(m.gigId);
		},

		async 'show:start'({ resume }) {
			const m = await hostOnly();
			await mayStart(ctx, m.gigId, resume === true);
			const tracks = m.room.producers().filter((p) => p.peerId === peerId);
			if (tracks.length === 0) throw new SignalingError('NOTHING_TO_SHOW', 'publish a camera, microphone or screen before going live');
			await show.start(m.gigId);
			return ctx.shows.state(m.gigId);
		},

		async 'show:end'() {
			const m = await hostOnly();
			m.room.closeMedia(peerId);
			await show.end(m.gigId);
		},

		async 'show:layers'() {
			const m = await hostOnly();
			return m.room.viewerLayers(peerId);
		},

		// Needs no gig: the server's clock is no secret. The media server's RTCP sender reports
		// use the same monotonic clock, which is what the viewers' delay is measured against.
		async clock() {
			return { now: Number(process.hrtime.bigint() / 1000n) / 1000 };
		},

		async consume({ transportId, producerId, rtpCapabilities }) {
			const m = await allowed();
			return keep(m, await m.room.consume(peerId, transportId, producerId, rtpCapabilities as RtpCapabilities), (c) => c.id);
		},

		async 'consumer:resume'({ consumerId }) {
			const m = await allowed();
			await m.room.resumeConsumer(peerId, consumerId);
		},

		async 'consumer:layers'({ consumerId, spatialLayer, temporalLayer }) {
			const m = await allowed();
			await m.room.setPreferredLayers(peerId, consumerId, spatialLayer, temporalLayer);
		}
	};
}

/**
 * An ended show stays ended: going live again needs the host's explicit Resume, within a few
 * minutes of the end (an End pressed by accident).
 */
async function mayStart(ctx: MediaContext, gigId: string, resume: boolean): Promise<void> {
	const gig = await ctx.gigs.get(gigId);
	if (gig?.status !== 'ended' && ctx.shows.state(gigId).state !== 'ended') return;
	if (!resume) throw new SignalingError('SHOW_ENDED', 'this show has ended; it can only be resumed from the studio’s Resume show button');
	if (!mayResume(gig?.endedAt ?? null)) throw new SignalingError('SHOW_ENDED', `this show ended more than ${RESUME_WINDOW_MS / 60_000} minutes ago and cannot be resumed`);
}

type JoinRequest = { gigId: string; role: MediaRole; sessionKey?: string | undefined };

/**
 * Joins the connection to a gig's media (one join at a time per connection). Everything is
 * awaited first; the host seat, the peer and the membership are then taken in one synchronous
 * step, so a connection that dropped meanwhile takes none of them.
 */
async function joinGig(socket: Socket, ctx: MediaContext, show: ShowControl, { gigId, role, sessionKey }: JoinRequest): Promise<JoinResult> {
	const peerId = socket.id;
	const previous = socket.data.membership as Membership | undefined;
	if (previous && previous.gigId !== gigId) throw new SignalingError('ALREADY_JOINED', `this connection is in gig "${previous.gigId}"`);
	const { user } = await ctx.access.check(socket, gigId, role);
	let room = await ctx.sfu.room(gigId);
	if (room.closed) room = await ctx.sfu.room(gigId); // released as its last peer left meanwhile
	if (socket.disconnected) throw new SignalingError('NOT_JOINED', 'the connection closed while joining');
	if (socket.data.membership !== previous) throw new SignalingError('NOT_JOINED', 'this connection was replaced while joining');
	if (room.closed) throw new SignalingError('MEDIA_UNAVAILABLE', 'the gig’s media is restarting: join again');
	const releaseSeat = () => show.hostLeft(gigId, peerId).catch((error: unknown) => ctx.log.warn({ gigId, peerId, err: error }, 'could not announce a freed host seat'));

	if (role === 'host') {
		const claim = ctx.shows.claimHost(gigId, peerId, sessionKey);
		if (!claim.ok) throw new SignalingError('GIG_HAS_HOST', 'this gig is already being hosted: from another tab, another device or OBS');
		if (claim.replacedPeerId) replaceHost(ctx, gigId, claim.replacedPeerId);
	} else if (previous?.role === 'host') {
		releaseSeat(); // the host rejoined as someone else: the seat is free
	}
	// Joining again (after a media server restart, or to retry) starts this peer's media afresh.
	if (previous && previous.room !== room) previous.room.closePeer(peerId);
	try {
		room.addPeer(peerId, role === 'viewer' ? null : { id: user.id, name: publicName(user), role });
	} catch (error) {
		if (role === 'host') releaseSeat();
		throw error;
	}
	socket.data.membership = { gigId, role, room } satisfies Membership;
	void socket.join(gigChannel(gigId));
	ctx.log.info({ gigId, peerId, role }, 'joined gig');
	return { rtpCapabilities: room.rtpCapabilities, show: await showSnapshot(ctx, gigId) };
}

/** The same host reconnected on a new socket: retire the old one so it cannot fight the new one. */
function replaceHost(ctx: MediaContext, gigId: string, oldPeerId: string): void {
	const old = ctx.namespace.sockets.get(oldPeerId);
	const membership = old?.data.membership as Membership | undefined;
	ctx.log.info({ gigId, oldPeerId }, 'host replaced by a newer connection');
	if (membership) membership.room.closePeer(oldPeerId);
	else void ctx.sfu.leave(gigId, oldPeerId);
	if (old) {
		old.data.membership = undefined;
		old.emit('host:replaced');
		old.disconnect(true);
	}
}
