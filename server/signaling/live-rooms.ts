/**
 * Socket.IO rooms of the live features. The Redis adapter spans them over every node, so an emit
 * to a room reaches its members wherever they are connected.
 */

/** Home pages: status and viewer counts of every gig. */
export const HOME_ROOM = 'home';
/** A gig's chat: everyone who joined it. */
export const gigRoom = (gigId: string) => `gig:${gigId}`;
/** A gig's page, open to anyone: its status and viewer count. */
export const gigPublicRoom = (gigId: string) => `gig:${gigId}:public`;
/** One person's connections to a gig, in `/live` and in `/media`: a ban disconnects them all. */
export const personRoom = (gigId: string, userId: string) => `gig:${gigId}:person:${userId}`;

/** Everyone who should hear about a gig's status or viewers. */
export const gigFollowers = (gigId: string) => [HOME_ROOM, gigPublicRoom(gigId), gigRoom(gigId)];

/** A guest's publishing connections in `/media`: sending them back to the audience closes these. */
export const guestRoom = (gigId: string, userId: string) => `gig:${gigId}:guest:${userId}`;
