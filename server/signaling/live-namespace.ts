import type { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Services } from '../../src/lib/server/services.js';
import { LIVE_NAMESPACE, liveRequests, MAX_LIVE_MESSAGE_BYTES } from '../../src/lib/live/messages.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { MediaAccess } from './media-access.js';
import { LiveAccess } from './live-access.js';
import { AudienceTracker } from './live-audience.js';
import { ReactionBursts } from './live-reactions.js';
import { StageAbsences } from './live-stage-absence.js';
import { liveHandlers, type ChatSeat, type LiveContext } from './live-handlers.js';
import { serveProtocol } from './request.js';
import { failureLogFor } from './failure-log.js';

/**
 * Chat, reactions, viewer counts and gig status on `/live`. Anyone may connect (home and gig
 * pages follow status without logging in); each request checks the session cookie itself.
 */
export function liveSignaling(io: Server, domain: Services, log: Logger) {
	const namespace = io.of(LIVE_NAMESPACE);
	// Every count of a gig's viewers is a sample for its show's numbers.
	const audience = new AudienceTracker(domain.chat.audience, namespace, domain.gigs, log, { counted: ({ gigId, count }) => domain.chat.numbers.sample(gigId, count) });
	const backstage = new AudienceTracker(domain.chat.backstage, namespace, domain.gigs, log, { event: 'backstage' });
	const reactions = new ReactionBursts(namespace);
	const ctx: LiveContext = { namespace, media: io.of(MEDIA_NAMESPACE), access: new LiveAccess(new MediaAccess(domain)), domain, audience, backstage, reactions, log };
	// As long as a person stays counted after their node goes quiet, so both agree on who has gone.
	const absences = new StageAbsences(ctx, domain.chat.audience.ttlMs);

	const failures = failureLogFor(log);

	namespace.on('connection', (socket) => {
		serveProtocol(socket, liveRequests, liveHandlers(socket, ctx), log, failures, MAX_LIVE_MESSAGE_BYTES);
		socket.on('disconnect', () => {
			const seat = socket.data.seat as ChatSeat | undefined;
			if (!seat) return;
			absences.left(seat.gigId, seat.userId);
			if (seat.backstage) backstage.leave(seat.gigId, seat.userId).catch((error: unknown) => log.warn({ gigId: seat.gigId, err: error }, 'could not note a studio closing'));
			if (!seat.counted) return;
			audience.leave(seat.gigId, seat.userId).catch((error: unknown) => log.warn({ gigId: seat.gigId, err: error }, 'could not remove a viewer'));
		});
	});

	return {
		/** Before Socket.IO closes: this node's viewers leave the counts at once instead of expiring. */
		async close(): Promise<void> {
			reactions.close();
			absences.close();
			await Promise.all([audience.close(), backstage.close()]);
		}
	};
}
