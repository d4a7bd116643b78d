import type { Redis } from 'ioredis';

const key = {
	// While on air: live, liveSince, lastAt, lastCount; kept: liveMs, watchMs, peak, messages, endedAt.
	numbers: (gigId: string) => `gs:gig-numbers:${gigId}`,
	// Everyone who watched while the show was on air.
	watchers: (gigId: string) => `gs:gig-watchers:${gigId}`
};

// Times come from Redis (TIME): every node samples the same clock.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function num(field) return tonumber(redis.call('HGET', KEYS[1], field) or '0') or 0 end
-- Viewer-milliseconds since the last sample, at the count that held since then.
local function integrate()
  redis.call('HINCRBY', KEYS[1], 'watchMs', num('lastCount') * math.max(0, now - num('lastAt')))
  redis.call('HSET', KEYS[1], 'lastAt', now)
end
`;

const BEGAN = `${NOW}
if redis.call('HGET', KEYS[1], 'live') == '1' then return 0 end
local count = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'live', '1', 'liveSince', now, 'lastAt', now, 'lastCount', count)
if count > num('peak') then redis.call('HSET', KEYS[1], 'peak', count) end
for i = 2, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1
`;

const SAMPLE = `${NOW}
if redis.call('HGET', KEYS[1], 'live') ~= '1' then return 0 end
integrate()
local count = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'lastCount', count)
if count > num('peak') then redis.call('HSET', KEYS[1], 'peak', count) end
return 1
`;

const SEEN = `
if redis.call('HGET', KEYS[1], 'live') ~= '1' then return 0 end
for i = 1, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
return 1
`;

const ENDED = `${NOW}
if redis.call('HGET', KEYS[1], 'live') ~= '1' then return 0 end
integrate()
redis.call('HINCRBY', KEYS[1], 'liveMs', math.max(0, now - num('liveSince')))
redis.call('HSET', KEYS[1], 'live', '0', 'endedAt', now)
return 1
`;

/** A show's numbers, for its creator: on the gig's page and in My gigs. */
export type ShowNumbersSummary = {
	/** Time on air (every live stretch, resumed ones too). */
	durationMs: number;
	peakViewers: number;
	/** Viewers on average while on air: total watch time over the duration. */
	averageViewers: number;
	uniqueViewers: number;
	/** Everyone's time watching, added up. */
	watchMs: number;
	chatMessages: number;
	live: boolean;
};

/**
 * The numbers of each gig's show, recorded in Redis while it runs (so they exist whether or not a
 * replay ever does): the viewer count is sampled whenever it is counted, and integrated over time.
 */
export class ShowNumbers {
	constructor(private readonly redis: Redis) {}

	/** On air (first start or resume), with `viewers` watching now. */
	async began(gigId: string, viewers: { count: number; people: string[] }): Promise<void> {
		await this.redis.eval(BEGAN, 2, key.numbers(gigId), key.watchers(gigId), viewers.count, ...viewers.people);
	}

	/** The viewer count now. Ignored while not on air. */
	async sample(gigId: string, count: number): Promise<void> {
		await this.redis.eval(SAMPLE, 1, key.numbers(gigId), count);
	}

	/** These people watch now: counted as unique viewers if the show is on air. */
	async seen(gigId: string, userIds: string[]): Promise<void> {
		if (userIds.length) await this.redis.eval(SEEN, 2, key.numbers(gigId), key.watchers(gigId), ...userIds);
	}

	async ended(gigId: string): Promise<void> {
		await this.redis.eval(ENDED, 1, key.numbers(gigId));
	}

	async messageSent(gigId: string): Promise<void> {
		await this.redis.hincrby(key.numbers(gigId), 'messages', 1);
	}

	async summary(gigId: string, now = Date.now()): Promise<ShowNumbersSummary | null> {
		const [f, unique] = await Promise.all([this.redis.hgetall(key.numbers(gigId)), this.redis.scard(key.watchers(gigId))]);
		if (!f.liveSince) return null; // never on air
		const n = (field: string) => Number(f[field] ?? 0) || 0;
		const live = f.live === '1';
		// While on air, the stretch since the last sample is counted at the last count.
		const durationMs = n('liveMs') + (live ? Math.max(0, now - n('liveSince')) : 0);
		const watchMs = n('watchMs') + (live ? n('lastCount') * Math.max(0, now - n('lastAt')) : 0);
		return {
			durationMs,
			peakViewers: n('peak'),
			averageViewers: durationMs > 0 ? watchMs / durationMs : 0,
			uniqueViewers: unique,
			watchMs,
			chatMessages: n('messages'),
			live
		};
	}
}
