import type { Redis } from 'ioredis';

/**
 * A job as a worker holds it for one attempt: its stored fields (attempts already counted) and
 * the claim that lets it record the outcome.
 */
export type ClaimedJob = { id: string; fields: Record<string, string>; claim: string };

/** What an attempt came to: try again at `retryAt`, or done (`retryAt` null). */
export type JobOutcome = {
	retryAt: number | null;
	/** Fields to store with the outcome (status, error, …). */
	fields: Record<string, string>;
	/** Delete the job's hash once it is done (e.g. a sent mail, whose text holds one-time links). */
	remove?: boolean;
};

export type LeasedQueueKeys = {
	/** Sorted set of job ids, scored by when each is due (ms). */
	queue: string;
	/** Each job is a hash at `prefix + id` with at least `status` (`pending` while queued), `attempts`, `claim`, `lastAttemptAt`. */
	prefix: string;
	/** A field that, when '0' on a finished job, has it deleted (a webhook delivery no longer listed). */
	dropWhenZero?: string;
};

// Claiming moves a due job's time a lease ahead instead of removing it: two nodes cannot both
// take it, and if this node dies mid-attempt the job comes due again after the lease.
const CLAIM = `
local queue = KEYS[1]
local prefix, now, lease, limit, claim = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local claimed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', queue, '-inf', now, 'LIMIT', 0, limit)) do
  local job = prefix .. id
  if redis.call('HGET', job, 'status') == 'pending' then
    redis.call('ZADD', queue, now + lease, id)
    redis.call('HINCRBY', job, 'attempts', 1)
    redis.call('HSET', job, 'claim', claim, 'lastAttemptAt', now)
    claimed[#claimed + 1] = id
  else
    redis.call('ZREM', queue, id)
  end
end
return claimed
`;

// Only the holder of the current claim records an outcome: a node whose lease ran out is ignored.
const FINISH = `
local job, queue = KEYS[1], KEYS[2]
local id, claim, retryAt, remove, dropField = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('HGET', job, 'claim') ~= claim then return 0 end
redis.call('HSET', job, 'claim', '', unpack(ARGV, 6))
if retryAt ~= '' then
  redis.call('ZADD', queue, retryAt, id)
else
  redis.call('ZREM', queue, id)
  if remove == '1' or (dropField ~= '' and redis.call('HGET', job, dropField) == '0') then redis.call('DEL', job) end
end
return 1
`;

/**
 * Jobs waiting in Redis for any node's worker: claimed for a lease, attempted, then finished or
 * retried later. Shared by webhook deliveries and mail; adding jobs is each queue's own business
 * (they check different things first), so only claiming and finishing live here.
 */
export class LeasedQueue {
	constructor(
		private readonly redis: Redis,
		readonly keys: LeasedQueueKeys
	) {}

	jobKey(id: string): string {
		return this.keys.prefix + id;
	}

	/** Takes up to `limit` due jobs for one attempt each, for `leaseMs`. */
	async claim(limit: number, leaseMs: number, claim: string, now = Date.now()): Promise<ClaimedJob[]> {
		const ids = (await this.redis.eval(CLAIM, 1, this.keys.queue, this.keys.prefix, now, leaseMs, limit, claim)) as string[];
		const rows = await Promise.all(ids.map((id) => this.redis.hgetall(this.jobKey(id))));
		return rows.filter((f) => f.id).map((fields) => ({ id: fields.id!, fields, claim: fields.claim ?? '' }));
	}

	/** Records an attempt's outcome; false if the claim was lost (the lease ran out and another node took over). */
	async finish(job: Pick<ClaimedJob, 'id' | 'claim'>, outcome: JobOutcome): Promise<boolean> {
		const done = await this.redis.eval(
			FINISH,
			2,
			this.jobKey(job.id),
			this.keys.queue,
			job.id,
			job.claim,
			outcome.retryAt === null ? '' : outcome.retryAt,
			outcome.remove ? '1' : '0',
			this.keys.dropWhenZero ?? '',
			...Object.entries(outcome.fields).flat()
		);
		return done === 1;
	}

	/** How many jobs wait (due or not). */
	size(): Promise<number> {
		return this.redis.zcard(this.keys.queue);
	}
}
