import type { Server } from 'socket.io';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';

/**
 * Tells this node's `/live` clients when Redis goes and comes back: chat pauses (the page says
 * "reconnecting") and each page joins its gig again once Redis answers, which reloads its chat,
 * counts and stage. Sent to local sockets only: while Redis is away nothing crosses nodes, and
 * every node sees the outage for itself. Media (`/media`) carries on untouched: packets never
 * wait on Redis.
 */
export function tellClientsAboutTheStore(io: Server, store: { onChange(listener: (available: boolean) => void): unknown }): void {
	store.onChange((available) => {
		io.of(LIVE_NAMESPACE).local.emit('store', { available });
	});
}
