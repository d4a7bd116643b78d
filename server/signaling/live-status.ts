import type { Server } from 'socket.io';
import { LIVE_NAMESPACE, type GigStatus } from '../../src/lib/live/messages.js';
import { gigFollowers } from './live-rooms.js';

/**
 * Tells open home pages, the gig's page and its chat that a show went live or ended, on every
 * node. Called where the show starts and ends (media signaling), after the gig record says so.
 */
export function announceShow(io: Server, status: GigStatus): void {
	io.of(LIVE_NAMESPACE).to(gigFollowers(status.gigId)).emit('status', status);
}
