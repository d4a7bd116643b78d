import { LiveClient } from './live-client.js';
import type { GigStatus, ViewerCount } from './messages.js';

/**
 * What the home page or a gig's page needs live, without polling: status changes (went live,
 * ended) as they happen, and viewer counts. No login needed.
 */
export class LiveFollow {
	/** gigId -> people watching now */
	viewers = $state<Record<string, number>>({});
	/** gigId -> when its show started, for live gigs */
	startedAt = $state<Record<string, number>>({});

	private readonly client = new LiveClient();
	private readonly versions = new Map<string, number>();

	/**
	 * Follows one gig (`gigId`) or the home page (null). `changed` is called with the status the
	 * server has on every (re)connect (`complete`: for the home page, every live gig), and with
	 * every change pushed later.
	 */
	constructor(gigId: string | null, changed: (statuses: GigStatus[], complete: boolean) => void) {
		const { socket } = this.client;
		socket.on('connect', async () => {
			try {
				const { gigs } = await this.client.request('live:follow', gigId ? { gigId } : {});
				for (const gig of gigs) {
					this.countViewers(gig.viewers);
					this.noteStart(gig);
				}
				changed(gigs, true);
			} catch {
				// The page keeps what it loaded; the next reconnect asks again.
			}
		});
		socket.on('status', (status) => {
			this.noteStart(status);
			changed([status], false);
		});
		socket.on('viewers', (count) => this.countViewers(count));
	}

	close(): void {
		this.client.close();
	}

	private countViewers({ gigId, count, version }: ViewerCount): void {
		if (version < (this.versions.get(gigId) ?? 0)) return;
		this.versions.set(gigId, version);
		this.viewers[gigId] = count;
	}

	private noteStart({ gigId, state, startedAt }: GigStatus): void {
		if (state === 'live' && startedAt) this.startedAt[gigId] = startedAt;
	}
}
