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
	namespace: Namespace;
	log: Logger;
};

/** Who a connection is in the gig it joined. */
export type Membership = { gigId: string; role: MediaRole };

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

/** The request handlers of one connection, one function per message. */
export function mediaHandlers(socket: Socket, ctx: MediaContext, show: ShowControl): Handlers {
	const peerId = socket.id;
	const membership = (): Membership => {
		const m = socket.data.membership as Membership | undefined;
		if (!m) throw new SignalingError('NOT_JOINED', 'join a gig first');
		return m;
	};
	/** Membership, re-checked against tickets and sessions: media requests are gated every time. */
	const allowed = async (): Promise<Membership> => {
		const m = membership();
		await ctx.access.check(socket, m.gigId, m.role);
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
	const room = async (): Promise<GigRoom> => ctx.sfu.room((await allowed()).gigId);

	return {
		async join({ gigId, role, sessionKey }): Promise<JoinResult> {
			const current = socket.data.membership as Membership | undefined;
			if (current && current.gigId !== gigId) throw new SignalingError('ALREADY_JOINED', `this connection is in gig "${current.gigId}"`);
			const { user } = await ctx.access.check(socket, gigId, role);
			if (role === 'host') {
				const claim = ctx.shows.claimHost(gigId, peerId, sessionKey);
				if (!claim.ok) throw new SignalingError('GIG_HAS_HOST', 'this gig is already being hosted: from another tab, another device or OBS');
				if (claim.replacedPeerId) replaceHost(ctx, gigId, claim.replacedPeerId);
			}
			// Joining again (after a media server restart) starts this peer's media afresh.
			await ctx.sfu.leave(gigId, peerId);
			socket.data.membership = { gigId, role } satisfies Membership;
			await socket.join(gigChannel(gigId));
			const gigRoom = await ctx.sfu.room(gigId);
			gigRoom.addPeer(peerId, role === 'viewer' ? null : { id: user.id, name: publicName(user), role });
			ctx.log.info({ gigId, peerId, role }, 'joined gig');
			return { rtpCapabilities: gigRoom.rtpCapabilities, show: await showSnapshot(ctx, gigId) };
		},

		async 'transport:create'({ direction }) {
			const m = direction === 'send' ? await publisher() : await allowed();
			return (await ctx.sfu.room(m.gigId)).createTransport(peerId, direction);
		},

		async 'transport:connect'({ transportId, dtlsParameters }) {
			await (await room()).connectTransport(peerId, transportId, dtlsParameters as DtlsParameters);
		},

		async produce({ transportId, kind, source, rtpParameters }) {
			const { gigId, role } = await publisher();
			if (role === 'guest' && !GUEST_SOURCES.has(source)) throw new SignalingError('BAD_REQUEST', 'guests on stage send their camera and microphone only');
			const producer = await (await ctx.sfu.room(gigId)).produce(peerId, transportId, kind, rtpParameters as RtpParameters, source);
			await show.changed(gigId);
			return { producerId: producer.id };
		},

		async 'producer:close'({ producerId }) {
			const { gigId } = await publisher();
			(await ctx.sfu.room(gigId)).closeProducer(peerId, producerId);
			await show.changed(gigId);
		},

		async 'show:start'({ resume }) {
			const { gigId } = await hostOnly();
			const tracks = (await ctx.sfu.room(gigId)).producers().filter((p) => p.peerId === peerId);
			if (tracks.length === 0) throw new SignalingError('NOTHING_TO_SHOW', 'publish a camera, microphone or screen before going live');
			await mayStart(ctx, gigId, resume === true);
			await show.start(gigId);
			return ctx.shows.state(gigId);
		},

		async 'show:end'() {
			const { gigId } = await hostOnly();
			await ctx.sfu.leave(gigId, peerId);
			await show.end(gigId);
		},

		async 'show:layers'() {
			const { gigId } = await hostOnly();
			return (await ctx.sfu.room(gigId)).viewerLayers(peerId);
		},

		// Needs no gig: the server's clock is no secret. The media server's RTCP sender reports
		// use the same monotonic clock, which is what the viewers' delay is measured against.
		async clock() {
			return { now: Number(process.hrtime.bigint() / 1000n) / 1000 };
		},

		async consume({ transportId, producerId, rtpCapabilities }) {
			const gigRoom = await room();
			return gigRoom.consume(peerId, transportId, producerId, rtpCapabilities as RtpCapabilities);
		},

		async 'consumer:resume'({ consumerId }) {
			await (await room()).resumeConsumer(peerId, consumerId);
		},

		async 'consumer:layers'({ consumerId, spatialLayer, temporalLayer }) {
			await (await room()).setPreferredLayers(peerId, consumerId, spatialLayer, temporalLayer);
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

/** The same host reconnected on a new socket: retire the old one so it cannot fight the new one. */
function replaceHost(ctx: MediaContext, gigId: string, oldPeerId: string): void {
	const old = ctx.namespace.sockets.get(oldPeerId);
	ctx.log.info({ gigId, oldPeerId }, 'host replaced by a newer connection');
	void ctx.sfu.leave(gigId, oldPeerId);
	if (old) {
		old.data.membership = undefined;
		old.emit('host:replaced');
		old.disconnect(true);
	}
}
