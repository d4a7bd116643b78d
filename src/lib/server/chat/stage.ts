import type { Redis } from 'ioredis';
import { MAX_GUESTS, type StagePerson, type StageSnapshot, type StageState } from '../../live/messages.js';
import { defaultAvatarColour, isAvatarColour } from '../../people/avatar.js';

const key = {
	// userId -> {"name","colour","state","at"}: everyone with a raised hand, an invitation or a place on stage.
	stage: (gigId: string) => `gs:gig-stage:${gigId}`
};

// A gig's stage outlives no show by long; a forgotten one leaves Redis by itself.
const STAGE_TTL_SECONDS = 24 * 60 * 60;

/** What a move did: done (from the state the person was in), or refused and why. */
export type StageMove = { ok: true; from: StageState } | { ok: false; reason: 'wrong-state' | 'stage-full'; state: StageState };

type Entry = { name: string; colour?: string; state: Exclude<StageState, 'audience'>; at: number };

// One atomic step: the person must be in one of the `from` states; `to` = '' takes them off the
// list. Inviting counts everyone invited or on stage against the limit in the same step, so two
// invitations at once cannot overfill the stage.
const MOVE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local entry = current and cjson.decode(current) or nil
local state = entry and entry.state or 'audience'
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == state then allowed = true end end
if not allowed then return {'wrong-state', state} end
if ARGV[3] == '' then
	redis.call('HDEL', KEYS[1], ARGV[1])
	return {'ok', state}
end
if ARGV[3] == 'invited' then
	local taken = 0
	for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
		local s = cjson.decode(value).state
		if s == 'invited' or s == 'guest' then taken = taken + 1 end
	end
	if taken >= tonumber(ARGV[6]) then return {'stage-full', state} end
end
local name = ARGV[4] ~= '' and ARGV[4] or (entry and entry.name or '')
local colour = ARGV[8] ~= '' and ARGV[8] or (entry and entry.colour or '')
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ name = name, colour = colour, state = ARGV[3], at = tonumber(ARGV[5]) }))
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {'ok', state}
`;

/**
 * Bringing the audience on stage: a viewer raises a hand, the host invites them, they accept and
 * become a guest who publishes camera and microphone; either side can end it. One Redis hash per
 * gig, changed only by atomic moves, so every node sees the same queue.
 */
export class Stage {
	constructor(private readonly redis: Redis) {}

	raiseHand(gigId: string, person: { id: string; name: string; colour?: string }, now = Date.now()): Promise<StageMove> {
		return this.move(gigId, person.id, ['audience'], 'hand', { name: person.name, colour: person.colour, now });
	}

	/** Only someone whose hand is up can be invited: the host picks from the queue. */
	invite(gigId: string, userId: string, now = Date.now()): Promise<StageMove> {
		return this.move(gigId, userId, ['hand'], 'invited', { now });
	}

	accept(gigId: string, userId: string, now = Date.now()): Promise<StageMove> {
		return this.move(gigId, userId, ['invited'], 'guest', { now });
	}

	/** Back to the audience from anywhere on the way: lowering a hand, declining, leaving, being sent back. */
	toAudience(gigId: string, userId: string): Promise<StageMove> {
		return this.move(gigId, userId, ['hand', 'invited', 'guest'], '');
	}

	async stateOf(gigId: string, userId: string): Promise<StageState> {
		const value = await this.redis.hget(key.stage(gigId), userId);
		return value ? (JSON.parse(value) as Entry).state : 'audience';
	}

	/** The queue of raised hands (oldest first), the invited and the guests (in the order they came on). */
	async snapshot(gigId: string): Promise<StageSnapshot> {
		const all = await this.redis.hgetall(key.stage(gigId));
		const people = Object.entries(all)
			.map(([id, value]) => ({ id, ...(JSON.parse(value) as Entry) }))
			.sort((a, b) => a.at - b.at);
		const of = (state: Entry['state']): StagePerson[] => people.filter((p) => p.state === state).map(({ id, name, colour, at }) => ({ id, name, colour: isAvatarColour(colour) ? colour : defaultAvatarColour(id), since: at }));
		return { hands: of('hand'), invited: of('invited'), guests: of('guest') };
	}

	/** The show is over: everyone is back in the audience. */
	async clear(gigId: string): Promise<void> {
		await this.redis.del(key.stage(gigId));
	}

	private async move(gigId: string, userId: string, from: StageState[], to: Entry['state'] | '', { name = '', colour = '', now = Date.now() } = {}): Promise<StageMove> {
		const [outcome, state] = (await this.redis.eval(MOVE, 1, key.stage(gigId), userId, from.join(','), to, name, String(now), String(MAX_GUESTS), String(STAGE_TTL_SECONDS), colour)) as [string, StageState];
		if (outcome === 'ok') return { ok: true, from: state };
		return { ok: false, reason: outcome as 'wrong-state' | 'stage-full', state };
	}
}
