/**
 * The live protocol between browsers and the server, on the Socket.IO namespace `/live`: chat,
 * reactions, viewer counts and gig status. Requests work like `/media` (`emit(name, payload, ack)`,
 * answered `{ ok }` or `{ error: { code, message } }`); the server validates every payload with
 * these schemas and the browser uses the same types.
 */
import '../zod-without-eval.js';
import { z } from 'zod';
import { gigIdSchema, type ErrorCode } from '../signaling/messages.js';
import { plainLine } from '../text/plain-line.js';
import type { AvatarColour } from '../people/avatar.js';

export const LIVE_NAMESPACE = '/live';
/** Largest request the server reads, as JSON: a chat line of 500 characters is well under. */
export const MAX_LIVE_MESSAGE_BYTES = 4 * 1024;

export const CHAT_MAX_LENGTH = 500;
/** Messages a person may send per window, per gig. */
export const CHAT_RATE = { messages: 5, seconds: 5 } as const;
/** How many messages a join brings, and each page of older ones. */
export const HISTORY_PAGE = 100;
export const OLDER_PAGE = 50;
export const REACTION_COOLDOWN_MS = 1000;
export const REACTION_KINDS = ['heart', 'applause'] as const;
export const TIMEOUT_MINUTES = { min: 1, max: 1440 } as const;
/** Guests on stage with the host at once (invitations count): host and three fill a 2x2 grid. */
export const MAX_GUESTS = 3;

/** A chat line as stored and shown: the rule display names follow too (one line, nothing hidden, trimmed). */
export const normaliseChatText = plainLine;

/** A message's id is its Redis Stream entry id: `<milliseconds>-<sequence>`. */
export const messageIdSchema = z.string().regex(/^\d{1,15}-\d{1,10}$/, 'a message id looks like 1700000000000-0');
/** Account ids are made by `newId()`: lowercase letters and digits. */
export const personIdSchema = z.string().regex(/^[a-z0-9]{1,32}$/, 'not a person’s id');

export const liveRequests = {
	/** Gig status and viewer counts for the home page (no gigId) or one gig's page; no login needed. */
	'live:follow': z.object({ gigId: gigIdSchema.optional() }),
	/** The chat of a gig: ticket holders, its creator and admins. */
	/** `backstage`: the creator's studio, so viewers hear that the show is about to start. */
	'live:join': z.object({ gigId: gigIdSchema, backstage: z.boolean().optional() }),
	'chat:send': z.object({
		text: z
			.string()
			.max(CHAT_MAX_LENGTH * 4)
			.transform(normaliseChatText)
			.pipe(z.string().min(1, 'write something first').max(CHAT_MAX_LENGTH, `a message is at most ${CHAT_MAX_LENGTH} characters`))
	}),
	'chat:older': z.object({ before: messageIdSchema }),
	'chat:delete': z.object({ messageId: messageIdSchema }),
	'mod:timeout': z.object({ userId: personIdSchema, minutes: z.number().int().min(TIMEOUT_MINUTES.min).max(TIMEOUT_MINUTES.max) }),
	'mod:ban': z.object({ userId: personIdSchema }),
	'mod:unban': z.object({ userId: personIdSchema }),
	/** Who is banned from the gig: for its creator and admins. */
	'mod:banned': z.object({}),
	react: z.object({ kind: z.enum(REACTION_KINDS) }),
	/** A viewer asks to come on stage. */
	'stage:raise': z.object({}),
	/** Back to the audience: lowers your hand, declines an invitation, or leaves the stage. */
	'stage:leave': z.object({}),
	/** You were invited: you take your place on stage (then publish as a `guest` on `/media`). */
	'stage:accept': z.object({}),
	/** The host invites someone whose hand is up. */
	'stage:invite': z.object({ userId: personIdSchema }),
	/** The host sends someone back to the audience: dismisses a hand, withdraws an invitation, or takes a guest off stage. */
	'stage:remove': z.object({ userId: personIdSchema })
} as const;

export type LiveRequestName = keyof typeof liveRequests;
export type LiveRequestPayload<N extends LiveRequestName> = z.input<(typeof liveRequests)[N]>;

/** Codes the live protocol answers with: the shared ones of `/media` and its own. */
export type LiveErrorCode =
	| Extract<ErrorCode, 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE' | 'UNKNOWN_MESSAGE' | 'NOT_JOINED' | 'ALREADY_JOINED' | 'LOGIN_REQUIRED' | 'GIG_NOT_FOUND' | 'GIG_CANCELLED' | 'TICKET_REQUIRED' | 'BANNED' | 'UNAVAILABLE' | 'STORAGE_FULL' | 'INTERNAL'>
	| 'RATE_LIMITED'
	| 'TIMED_OUT'
	| 'NOT_MODERATOR'
	| 'CANNOT_MODERATE'
	| 'MESSAGE_NOT_FOUND'
	| 'PERSON_NOT_FOUND'
	| 'NOT_BANNED'
	/** The stage move does not fit where the person is now (no raised hand to invite, no invitation to accept…). */
	| 'STAGE_CONFLICT'
	| 'STAGE_FULL'
	/** The creator and admins run the show: they do not queue for the stage. */
	| 'HOST_ON_STAGE';

/** How a person appears in a gig's chat: the creator and admins wear a badge. */
export type ChatRole = 'creator' | 'admin' | 'viewer';
export type ReactionKind = (typeof REACTION_KINDS)[number];
export type ReactionTotals = Record<ReactionKind, number>;

export type ChatMessage = { id: string; userId: string; name: string; colour: AvatarColour; role: ChatRole; text: string; at: number };

/** Who you are in this gig's chat. */
export type ChatSelf = { id: string; name: string; colour: AvatarColour; role: ChatRole; canModerate: boolean; timedOutUntil: number | null };

/**
 * People watching a gig, counted across server nodes. `version` grows with every count, so a
 * count that arrives late (through another node) never replaces a newer one.
 */
export type ViewerCount = { gigId: string; count: number; version: number };

export type GigLiveState = 'scheduled' | 'live' | 'ended' | 'cancelled';
export type GigStatus = { gigId: string; state: GigLiveState; startedAt: number | null };

export type LiveResults = {
	'live:follow': { gigs: (GigStatus & { viewers: ViewerCount })[] };
	'live:join': { history: ChatMessage[]; hasOlder: boolean; reactions: ReactionTotals; viewers: ViewerCount; backstage: ViewerCount; you: ChatSelf; stage: StageSnapshot };
	'chat:send': { message: ChatMessage };
	'chat:older': { messages: ChatMessage[]; hasOlder: boolean };
	'chat:delete': null;
	'mod:timeout': { until: number };
	'mod:ban': null;
	'mod:unban': { banned: BannedPerson[] };
	'mod:banned': { banned: BannedPerson[] };
	react: { totals: ReactionTotals };
	'stage:raise': { stage: StageSnapshot };
	'stage:leave': { stage: StageSnapshot };
	'stage:accept': { stage: StageSnapshot };
	'stage:invite': { stage: StageSnapshot };
	'stage:remove': { stage: StageSnapshot };
};

export type BannedPerson = { id: string; name: string; colour: AvatarColour };

/** Where a person stands with the stage. */
export type StageState = 'audience' | 'hand' | 'invited' | 'guest';
export type StagePerson = { id: string; name: string; colour: AvatarColour; since: number };
/** Raised hands (the queue, oldest first), open invitations and guests on stage. */
export type StageSnapshot = { hands: StagePerson[]; invited: StagePerson[]; guests: StagePerson[] };

/** What happened to you: pushed to every connection you have in the gig, on any node. */
export type Moderated = { action: 'timeout'; until: number } | { action: 'ban' };

/** Server-to-client events. */
export type LiveServerEvents = {
	'chat:message': (message: ChatMessage) => void;
	'chat:deleted': (event: { messageId: string }) => void;
	/** `count` reactions of `kind` since the last event (bursts are batched), and the gig's totals. */
	reaction: (event: { kind: ReactionKind; count: number; totals: ReactionTotals }) => void;
	viewers: (count: ViewerCount) => void;
	/** How many studio tabs of the gig's creator are open (0 or more): "starting soon" when there is one. */
	backstage: (count: ViewerCount) => void;
	/** A gig went live or ended; sent to the home page, the gig's page and its chat. */
	status: (status: GigStatus) => void;
	moderated: (event: Moderated) => void;
	/** The gig's stage changed: sent to everyone in its chat. */
	stage: (stage: StageSnapshot) => void;
	/**
	 * The server lost (false) or found again (true) its database: chat pauses meanwhile (the show
	 * goes on), and a page joins again when it is back.
	 */
	store: (state: { available: boolean }) => void;
};
