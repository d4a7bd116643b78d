import type { LiveContext } from './live-handlers.js';
import { personRoom } from './live-rooms.js';
import { announceStage, leaveStageMedia } from './live-stage.js';

/**
 * A raised hand, an invitation or a place on stage belongs to someone with the gig open. When a
 * person's last page of the gig closes (on any node), they leave the stage after a grace that
 * lets a reload or a network blip keep their place.
 */
export class StageAbsences {
	private readonly timers = new Set<ReturnType<typeof setTimeout>>();

	constructor(
		private readonly ctx: Pick<LiveContext, 'namespace' | 'domain' | 'log'>,
		private readonly graceMs: number
	) {}

	/** One of the person's pages of the gig closed. */
	left(gigId: string, userId: string): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			void this.releaseIfGone(gigId, userId);
		}, this.graceMs);
		this.timers.add(timer);
	}

	close(): void {
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}

	private async releaseIfGone(gigId: string, userId: string): Promise<void> {
		const { namespace, domain, log } = this.ctx;
		try {
			// Most people who leave were never on stage: one Redis read spares the question to every node.
			if ((await domain.chat.stage.stateOf(gigId, userId)) === 'audience') return;
			// Every node answers: a page open anywhere keeps the place.
			if ((await namespace.in(personRoom(gigId, userId)).fetchSockets()).length) return;
			const move = await domain.chat.stage.toAudience(gigId, userId);
			if (!move.ok) return;
			if (move.from === 'guest') leaveStageMedia(namespace.server, gigId, userId);
			await announceStage(namespace.server, domain.chat.stage, gigId);
			log.info({ gigId, userId, was: move.from }, 'left the stage with their last page');
		} catch (error) {
			log.warn({ gigId, userId, err: error }, 'could not check who left the stage');
		}
	}
}
