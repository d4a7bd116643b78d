import type { Redis } from 'ioredis';
import type { ViewerCount } from '../../live/messages.js';

/** Who is counted: the audience watching, or the creators in the gig's studio (the backstage). */
export type PresenceKind = 'audience' | 'backstage';

const keys = (kind: PresenceKind) => ({
	// Members `<userId>@<nodeId>`, scored by when they expire: each node keeps its own viewers
	// fresh, so the viewers of a node that died fall out by themselves.
	audience: (gigId: string) => `gs:gig-${kind}:${gigId}`,
	// The count last announced, so that several nodes do not announce the same number.
	shown: (gigId: string) => `gs:gig-${kind}-shown:${gigId}`
});

// Times come from Redis (TIME), not from each node's clock: nodes may disagree by seconds.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local version = tonumber(t[1]) * 1000000 + tonumber(t[2])
`;

const KEEP = `${NOW}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
`;

// Distinct people among the unexpired: one person watching through two nodes (or tabs) counts once.
const DISTINCT = `
local people, count = {}, 0
for _, holder in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local person = string.match(holder, '^[^@]+')
  if not people[person] then people[person] = true; count = count + 1 end
end
`;

// Only reads: a viewer joining gets a count even while Redis refuses writes (a full disk).
const PEEK = `${NOW}${DISTINCT}
return {count, version}
`;

const ANNOUNCE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${DISTINCT}
local previous = redis.call('SET', KEYS[2], count, 'GET', 'PX', 86400000)
return {count, version, previous == tostring(count) and 0 or 1}
`;

/**
 * Who is watching each gig, across every server node: each node records the people it serves
 * (`keep`, again every heartbeat) and removes them when they go. Entries expire after `ttlMs`
 * without a heartbeat, so a node that dies takes its viewers with it within that time.
 */
export class Audience {
	private readonly key: ReturnType<typeof keys>;

	constructor(
		private readonly redis: Redis,
		readonly ttlMs: number,
		kind: PresenceKind = 'audience'
	) {
		this.key = keys(kind);
	}

	/** These people are watching the gig through node `nodeId` (first join, or a heartbeat). */
	async keep(gigId: string, nodeId: string, userIds: string[]): Promise<void> {
		if (userIds.length === 0) return;
		await this.redis.eval(KEEP, 1, this.key.audience(gigId), this.ttlMs, ...userIds.map((id) => holder(id, nodeId)));
	}

	async leave(gigId: string, nodeId: string, userId: string): Promise<void> {
		await this.redis.zrem(this.key.audience(gigId), holder(userId, nodeId));
	}

	/** The people watching the gig now, each once. */
	async people(gigId: string): Promise<string[]> {
		const holders = await this.redis.zrangebyscore(this.key.audience(gigId), Date.now(), '+inf');
		return [...new Set(holders.map((h) => h.slice(0, h.lastIndexOf('@'))))];
	}

	/** How many people watch the gig now. */
	async count(gigId: string): Promise<ViewerCount> {
		const [count, version] = (await this.redis.eval(PEEK, 1, this.key.audience(gigId))) as [number, number];
		return { gigId, count, version };
	}

	/** The count, and whether it differs from the one last announced (which it now is). */
	async announce(gigId: string): Promise<ViewerCount & { changed: boolean }> {
		const [count, version, changed] = (await this.redis.eval(ANNOUNCE, 2, this.key.audience(gigId), this.key.shown(gigId))) as [number, number, number];
		return { gigId, count, version, changed: changed === 1 };
	}
}

const holder = (userId: string, nodeId: string) => `${userId}@${nodeId}`;
