import type { ShowState } from '../signaling/messages.js';

type Show = {
	state: ShowState;
	startedAt: number | null;
	host: { peerId: string; sessionKey: string | undefined } | null;
};

export type HostClaim = { ok: true; replacedPeerId: string | null } | { ok: false };

/**
 * The live state of each gig on this node: who hosts it and whether the show is on.
 * In memory for now; it moves to Redis when gigs do.
 */
export class Shows {
	private readonly shows = new Map<string, Show>();

	state(gigId: string): { state: ShowState; startedAt: number | null } {
		const show = this.shows.get(gigId);
		return { state: show?.state ?? 'waiting', startedAt: show?.startedAt ?? null };
	}

	isHost(gigId: string, peerId: string): boolean {
		return this.shows.get(gigId)?.host?.peerId === peerId;
	}

	/**
	 * Takes the host seat. A connected host keeps it unless the claimant presents the same
	 * session key (the same studio tab after a network blip), which replaces the old connection.
	 */
	claimHost(gigId: string, peerId: string, sessionKey: string | undefined): HostClaim {
		const show = this.show(gigId);
		const current = show.host;
		if (current && current.peerId !== peerId) {
			const sameTab = sessionKey !== undefined && current.sessionKey === sessionKey;
			if (!sameTab) return { ok: false };
		}
		show.host = { peerId, sessionKey };
		return { ok: true, replacedPeerId: current && current.peerId !== peerId ? current.peerId : null };
	}

	start(gigId: string, now = Date.now()): void {
		const show = this.show(gigId);
		// A host coming back after an interruption continues the same show.
		if (show.state !== 'live' && show.state !== 'interrupted') show.startedAt = now;
		show.state = 'live';
	}

	end(gigId: string): void {
		const show = this.show(gigId);
		show.state = 'ended';
	}

	/** The host's connection is gone: a live show is interrupted until they come back. */
	hostLeft(gigId: string, peerId: string): void {
		const show = this.shows.get(gigId);
		if (!show || show.host?.peerId !== peerId) return;
		show.host = null;
		if (show.state === 'live') show.state = 'interrupted';
	}

	private show(gigId: string): Show {
		let show = this.shows.get(gigId);
		if (!show) {
			show = { state: 'waiting', startedAt: null, host: null };
			this.shows.set(gigId, show);
		}
		return show;
	}
}
