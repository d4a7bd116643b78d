import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Sfu, SfuListener } from '../../sfu/sfu.js';
import type { Shows } from '../../src/lib/server/shows.js';
import type { MediaAccess } from './media-access.js';
import type { IceServers } from './ice-servers.js';
import type { Services } from '../../src/lib/server/services.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { gigChannel, mediaHandlers, type MediaContext, type Membership } from './media-handlers.js';
import { serveRequests } from './request.js';
import { showControl, type ShowControl } from './show-lifecycle.js';
import { Turns } from './turns.js';
import { failureLogFor } from './failure-log.js';

/**
 * Media signaling on `/media`. Returns the listener the SFU reports to, since the SFU starts
 * first and tells signaling about closed consumers and restarted gigs.
 */
export function mediaSignaling(io: Server, log: Logger) {
	const namespace = io.of(MEDIA_NAMESPACE);

	const listener: SfuListener = {
		consumerClosed(peerId, consumerId, producerId) {
			namespace.sockets.get(peerId)?.emit('consumer:closed', { consumerId, producerId });
		},
		gigRestarted(gigId) {
			log.warn({ gigId }, 'gig media restarted; asking its clients to rejoin');
			namespace.local.to(gigChannel(gigId)).emit('gig:restart');
		}
	};

	/** Starts serving `/media`; the returned control lets other sources of media (RTMP) run shows too. */
	function attach(sfu: Sfu, shows: Shows, domain: Pick<Services, 'gigs' | 'webhooks' | 'chat'>, access: MediaAccess, iceServers: IceServers): ShowControl {
		const ctx: MediaContext = { sfu, shows, gigs: domain.gigs, webhooks: domain.webhooks, stage: domain.chat.stage, audience: domain.chat.audience, numbers: domain.chat.numbers, access, iceServers, namespace, log };
		const show = showControl(ctx);
		const failures = failureLogFor(log);
		namespace.on('connection', (socket) => {
			const joins = new Turns();
			serveRequests(socket, mediaHandlers(socket, ctx, show, joins), log, failures);
			socket.on('disconnect', (reason) => {
				// A join still under way settles first (it refuses a closed connection), so the
				// cleanup sees the connection's final membership.
				void joins.idle.then(() => {
					const membership = socket.data.membership as Membership | undefined;
					if (membership) return leaveGig(ctx, show, membership, socket.id, reason);
				});
			});
		});
		return show;
	}

	return { listener, attach };
}

async function leaveGig(ctx: MediaContext, show: ShowControl, { gigId, role, room }: Membership, peerId: string, reason: string): Promise<void> {
	try {
		room.closePeer(peerId);
		if (role === 'host' && ctx.shows.isHost(gigId, peerId)) {
			ctx.log.warn({ gigId, peerId, reason }, 'host disconnected');
			await show.hostLeft(gigId, peerId);
		} else if (role === 'guest') {
			await show.changed(gigId); // the guest's tracks left the show
		}
		await ctx.sfu.releaseIfEmpty(gigId);
	} catch (error) {
		ctx.log.error({ gigId, peerId, err: error }, 'cleanup after disconnect failed');
	}
}
