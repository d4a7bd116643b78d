import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Sfu, SfuListener } from '../../sfu/sfu.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { MediaAccess } from './media-access.js';
import type { IceServers } from './ice-servers.js';
import type { Services } from '../../src/lib/server/services.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { mediaHandlers, type MediaContext, type Membership } from './media-handlers.js';
import { serveRequests } from './request.js';
import { showControl, type ShowControl } from './show-lifecycle.js';
import { keepShowLeases } from './show-leases.js';
import type { LeaseGrace } from '../cluster/lease-grace.js';
import { Turns } from './turns.js';
import { failureLogFor } from './failure-log.js';

/**
 * Media signaling on `/media`. Returns the listener the SFU reports to, since the SFU starts
 * first and tells signaling about closed consumers and restarted gigs.
 */
export function mediaSignaling(io: Server, log: Logger) {
	const namespace = io.of(MEDIA_NAMESPACE);

	let control: ShowControl | undefined;
	const listener: SfuListener = {
		consumerClosed(peerId, consumerId, producerId) {
			namespace.sockets.get(peerId)?.emit('consumer:closed', { consumerId, producerId });
		},
		mediaLost(gigId, peerIds) {
			log.warn({ gigId, peers: peerIds.length }, 'media lost with a worker; asking those clients to rejoin');
			for (const peerId of peerIds) namespace.sockets.get(peerId)?.emit('gig:restart');
		},
		tracksChanged(gigId) {
			control?.changed(gigId).catch((err: unknown) => log.warn({ gigId, err }, 'could not publish the gig’s tracks'));
		}
	};

	/** Starts serving `/media`; the returned control lets other sources of media (RTMP) run shows too. */
	function attach(
		sfu: Sfu,
		shows: Shows,
		domain: Pick<Services, 'gigs' | 'webhooks' | 'chat'>,
		access: MediaAccess,
		iceServers: IceServers,
		grace: Pick<LeaseGrace, 'mayJudge' | 'onRecovered'>
	): { show: ShowControl; stop(): void; settled(): Promise<void> } {
		const ctx: MediaContext = { sfu, shows, gigs: domain.gigs, webhooks: domain.webhooks, stage: domain.chat.stage, audience: domain.chat.audience, numbers: domain.chat.numbers, access, iceServers, namespace, log };
		const show = showControl(ctx);
		control = show;
		const leases = keepShowLeases(ctx, grace);
		const cleanups = new Set<Promise<void>>();
		const failures = failureLogFor(log);
		namespace.on('connection', (socket) => {
			const joins = new Turns();
			serveRequests(socket, mediaHandlers(socket, ctx, show, joins), log, failures);
			socket.on('disconnect', (reason) => {
				// A join still under way settles first (it refuses a closed connection), so the
				// cleanup sees the connection's final membership.
				const cleanup = joins.idle.then(() => {
					const membership = socket.data.membership as Membership | undefined;
					if (membership) return leaveGig(ctx, show, membership, socket.id, reason);
				});
				cleanups.add(cleanup);
				void cleanup.finally(() => cleanups.delete(cleanup));
			});
		});
		return {
			show,
			/** Stops renewing host seats: a host still connected here is interrupted when the lease runs out. */
			stop: () => leases.stop(),
			/** Resolves once the clean-ups of closed connections finished (they need Redis: call before it goes). */
			settled: async () => void (await Promise.all(cleanups))
		};
	}

	return { listener, attach };
}

async function leaveGig(ctx: MediaContext, show: ShowControl, { gigId, role, room }: Membership, peerId: string, reason: string): Promise<void> {
	try {
		room.closePeer(peerId);
		if (role === 'host') {
			await show.changed(gigId); // the host's tracks left this node
			await show.hostLeft(gigId, peerId); // interrupted, if it still held the seat
			ctx.log.info({ gigId, peerId, reason }, 'host connection closed');
		} else if (role === 'guest') {
			await show.changed(gigId); // the guest's tracks left the show
		}
		ctx.sfu.releaseIfEmpty(gigId);
	} catch (error) {
		ctx.log.error({ gigId, peerId, err: error }, 'cleanup after disconnect failed');
	}
}
