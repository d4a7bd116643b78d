/**
 * The open stream and chat connections (Socket.IO `/media` and `/live`) of a session, a person
 * or a gig, on every server node. Ending access in Redis stops new requests; these close what is
 * already open, so no media or chat keeps flowing to someone who lost access. End the access
 * first, then close: a connection opened in between finds the access gone.
 */
export type Connections = {
	/** Every connection opened with this session token (log-out). */
	closeSession(token: string): void;
	/** Every connection opened with these sessions, named by id (the sha256 of the token, see accounts/sessions.ts): signing out other devices. */
	closeSessions(sessionIds: string[]): void;
	/** Every connection of this person, whichever session opened it (password change, account deleted). */
	closePerson(userId: string): void;
	/** Every stream connection of the gig and everyone in its chat (gig cancelled); its page followers are told. */
	closeGig(gigId: string): void;
};
