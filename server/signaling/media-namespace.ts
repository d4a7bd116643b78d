import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Sfu, SfuListener } from '../../sfu/sfu.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { MediaAccess } from './media-access.js';
import type { Services } from '../../src/lib/server/services.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { mediaHandlers, type MediaContext, type Membership } from './media-handlers.js';
import { serveRequests } from './request.js';
import { showControl, type ShowControl } from './show-lifecycle.js';
import { keepShowLeases } from './show-leases.js';

/**
 * Media signaling on `/media`. Returns the listener the SFU reports to, since the SFU starts
 * first and tells signaling about closed consumers and restarted gigs.
 */
export function mediaSignaling(io: Server, log: Logger) {
	const namespace = io.of(MEDIA_NAMESPACE);

	let show: ShowControl | undefined;
	const listener: SfuListener = {
		consumerClosed(peerId, consumerId, producerId) {
			namespace.sockets.get(peerId)?.emit('consumer:closed', { consumerId, producerId });
		},
		mediaLost(gigId, peerIds) {
			log.warn({ gigId, peers: peerIds.length }, 'media lost with a worker; asking those clients to rejoin');
			for (const peerId of peerIds) namespace.sockets.get(peerId)?.emit('gig:restart');
		},
		tracksChanged(gigId) {
			show?.changed(gigId).catch((err: unknown) => log.warn({ gigId, err }, 'could not publish the gig’s tracks'));
		}
	};

	/** Starts serving `/media`; the returned control lets other sources of media (RTMP) run shows too. */
	function attach(sfu: Sfu, shows: Shows, domain: Pick<Services, 'gigs' | 'webhooks' | 'chat'>, access: MediaAccess): { show: ShowControl; close(): void } {
		const ctx: MediaContext = { sfu, shows, gigs: domain.gigs, webhooks: domain.webhooks, stage: domain.chat.stage, access, namespace, log };
		show = showControl(ctx);
		const control = show;
		const leases = keepShowLeases(ctx);
		namespace.on('connection', (socket) => {
			serveRequests(socket, mediaHandlers(socket, ctx, control), log);
			socket.on('disconnect', (reason) => {
				const membership = socket.data.membership as Membership | undefined;
				if (!membership) return;
				void leaveGig(ctx, control, membership, socket.id, reason);
			});
		});
		return { show: control, close: () => leases.stop() };
	}

	return { listener, attach };
}

async function leaveGig(ctx: MediaContext, show: ShowControl, { gigId, role }: Membership, peerId: string, reason: string): Promise<void> {
	try {
		ctx.sfu.leave(gigId, peerId);
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
