import type { Redis } from 'ioredis';
import { manages, type Actor } from '../access.js';
import type { Gig } from '../gigs/gigs.js';
import type { ChatRole } from '../../live/messages.js';
import { ChatMessages } from './chat-messages.js';
import { ChatPace } from './chat-pace.js';
import { Moderation } from './moderation.js';
import { Reactions } from './reactions.js';
import { Audience } from './audience.js';
import { Stage } from './stage.js';
import { ShowNumbers } from './show-numbers.js';

/** Everything live around a gig's show, each kept in Redis by its own module. */
export type Chat = {
	messages: ChatMessages;
	pace: ChatPace;
	moderation: Moderation;
	reactions: Reactions;
	audience: Audience;
	/** The gig's creator with its studio open: viewers are told the show is about to start. */
	backstage: Audience;
	stage: Stage;
	/** Viewers, watch time and messages of each show, recorded while it runs. */
	numbers: ShowNumbers;
};

export type ChatOptions = {
	/** Messages kept per gig (default 1000). */
	historyLength?: number;
	/** How long a viewer stays counted without a heartbeat from their node (default 30). */
	presenceTtlSeconds?: number;
};

export function createChat(redis: Redis, { historyLength = 1000, presenceTtlSeconds = 30 }: ChatOptions = {}): Chat {
	return {
		messages: new ChatMessages(redis, historyLength),
		pace: new ChatPace(redis),
		moderation: new Moderation(redis),
		reactions: new Reactions(redis),
		audience: new Audience(redis, presenceTtlSeconds * 1000),
		backstage: new Audience(redis, presenceTtlSeconds * 1000, 'backstage'),
		stage: new Stage(redis),
		numbers: new ShowNumbers(redis)
	};
}

/** The badge a person wears in a gig's chat. */
export function chatRole(gig: Pick<Gig, 'creatorId'>, user: Actor): ChatRole {
	if (gig.creatorId === user.id) return 'creator';
	return user.role === 'admin' ? 'admin' : 'viewer';
}

/** Who moderates a gig's chat: whoever manages the gig. They cannot be timed out or banned. */
export const moderates = manages;
