import type { WebRtcTransport } from 'mediasoup/node/lib/WebRtcTransport';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Consumer } from 'mediasoup/node/lib/Consumer';
import { MediaError } from './errors.js';

export type PeerId = string;
export type TransportDirection = 'send' | 'recv';

/** Who is seen and heard through a peer's tracks: the host, or a guest the host brought on stage. */
export type Participant = { id: string; name: string; role: 'host' | 'guest' };

// Bounds on what one connection may hold, so no client can exhaust a worker.
export const PEER_LIMITS = { transports: 4, producers: 4, consumers: 32 } as const;
type Held = keyof typeof PEER_LIMITS;
const WHAT: Record<Held, string> = { transports: 'transports', producers: 'tracks', consumers: 'tracks' };

export type TransportEntry = { transport: WebRtcTransport; direction: TransportDirection; connectRequested: boolean };

/**
 * One connection's media in a gig room. Creations are counted from the moment they start, not
 * when mediasoup answers: a burst of concurrent requests cannot all pass the limit before the
 * first of them lands.
 */
export class RoomPeer {
	readonly transports = new Map<string, TransportEntry>();
	readonly producers = new Map<string, Producer>();
	readonly consumers = new Map<string, Consumer>();
	private readonly pending: Record<Held, number> = { transports: 0, producers: 0, consumers: 0 };
	/** Grows each time the peer's media starts afresh: a creation begun before belongs to media that is gone. */
	generation = 0;

	constructor(
		readonly id: PeerId,
		public participant: Participant | null
	) {}

	/** Takes one of the peer's slots for `what` now, synchronously; call the returned function once the creation settled. */
	reserve(what: Held): () => void {
		if (this[what].size + this.pending[what] >= PEER_LIMITS[what]) {
			throw new MediaError('LIMIT_REACHED', `at most ${PEER_LIMITS[what]} ${WHAT[what]} per connection`);
		}
		this.pending[what]++;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.pending[what]--;
		};
	}

	/** Closes every transport and track of the peer (consumers close with their transports). */
	closeMedia(): void {
		this.generation++;
		for (const { transport } of [...this.transports.values()]) transport.close();
		// Adopted producers (RTMP) live on transports the room does not own.
		for (const producer of [...this.producers.values()]) producer.close();
		for (const consumer of [...this.consumers.values()]) consumer.close();
		this.transports.clear();
		this.producers.clear();
		this.consumers.clear();
	}
}
