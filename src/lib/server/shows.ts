import type { Redis } from 'ioredis';
import type { PublishedTrack, ShowState } from '../signaling/messages.js';
import { NODE_KEY_PREFIX, type NodeId } from './nodes.js';

export type HostClaim = { ok: true; replacedPeerId: string | null } | { ok: false };
export type ShowStatus = { state: ShowState; startedAt: number | null };
/** A track some node publishes into a gig: who serves it, so other nodes can pipe it. */
export type ShowTrack = PublishedTrack & { node: string };

const key = {
	show: (gigId: string) => `gs:show:${gigId}`,
	tracks: (gigId: string) => `gs:show-tracks:${gigId}`,
	// gigId scored by its host's lease expiry (ms, Redis clock): the sweep finds lapsed hosts here.
	leases: 'gs:show-leases'
};

// A show's record outlives its last change by a day; the gig record keeps the final status.
const KEEP_MS = 24 * 60 * 60 * 1000;

// Redis's clock, not each node's: nodes may disagree by seconds, and a lease is compared on all of them.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// KEYS: show, leases. ARGV: gigId, node, peer, session ('' for none), leaseMs, keepMs.
// The seat is free when nobody holds it or the holder's lease ran out (its node died); a connected
// host keeps it unless the claimant is the same studio tab (same session key) coming back.
const CLAIM = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'hostPeer', 'hostSession', 'leaseUntil', 'state')
local replaced = ''
if h[1] and h[1] ~= ARGV[3] and tonumber(h[3] or '0') > now then
  if ARGV[4] == '' or h[2] ~= ARGV[4] then return {0, ''} end
  replaced = h[1]
end
redis.call('HSET', KEYS[1], 'hostNode', ARGV[2], 'hostPeer', ARGV[3], 'hostSession', ARGV[4], 'leaseUntil', now + tonumber(ARGV[5]))
if not h[4] then redis.call('HSET', KEYS[1], 'state', 'waiting') end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[1])
return {1, replaced}
`;

// KEYS: leases. ARGV: node, leaseMs, then gigId, peer pairs. Returns the gigs whose seat this
// node no longer holds (its lease ran out and someone else took it, or it was swept).
const RENEW = `${NOW}
local lost = {}
for i = 3, #ARGV, 2 do
  local show = 'gs:show:' .. ARGV[i]
  local h = redis.call('HMGET', show, 'hostNode', 'hostPeer')
  if h[1] == ARGV[1] and h[2] == ARGV[i + 1] then
    redis.call('HSET', show, 'leaseUntil', now + tonumber(ARGV[2]))
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
`;

// The host is gone: the seat is free and a live show is interrupted until a host comes back.
const VACATE = `
local function vacate(show, gigId, leases)
  redis.call('HDEL', show, 'hostNode', 'hostPeer', 'hostSession', 'leaseUntil')
  redis.call('ZREM', leases, gigId)
  if redis.call('HGET', show, 'state') == 'live' then redis.call('HSET', show, 'state', 'interrupted') end
  redis.call('HINCRBY', show, 'version', 1)
end
`;

// KEYS: show, leases. ARGV: gigId, peer. 1 if the peer held the seat.
const HOST_LEFT = `${VACATE}
if redis.call('HGET', KEYS[1], 'hostPeer') ~= ARGV[2] then return 0 end
vacate(KEYS[1], ARGV[1], KEYS[2])
return 1
`;

// KEYS: leases. ARGV: at most this many gigs per sweep. Returns the gigs whose host lapsed.
const SWEEP = `${NOW}${VACATE}
local lapsed = {}
for _, gigId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))) do
  local show = 'gs:show:' .. gigId
  if tonumber(redis.call('HGET', show, 'leaseUntil') or '0') <= now then
    vacate(show, gigId, KEYS[1])
    table.insert(lapsed, gigId)
  else
    redis.call('ZREM', KEYS[1], gigId)
  end
end
return lapsed
`;

// KEYS: show. ARGV: keepMs, startedAt ('' for now). A show that was not on goes live from
// `startedAt` (a resumed ended show keeps its start) or now; one that was interrupted goes on with
// its first start.
const START = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'state', 'startedAt')
if h[1] ~= 'live' and h[1] ~= 'interrupted' then
  if ARGV[2] ~= '' then h[2] = ARGV[2] else h[2] = tostring(now) end
  redis.call('HSET', KEYS[1], 'startedAt', h[2])
end
redis.call('HSET', KEYS[1], 'state', 'live')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return h[2]
`;

// KEYS: show, leases. A live show whose host's lease lapsed reads as interrupted even before the sweep.
const READ_STATE = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'state', 'startedAt', 'hostPeer', 'leaseUntil')
local state = h[1] or 'waiting'
if state == 'live' and (not h[3] or tonumber(h[4] or '0') <= now) then state = 'interrupted' end
`;
const STATUS = `${READ_STATE}
return {state, h[2] or ''}
`;

// Only tracks of nodes still alive: a dead node's media is gone with it.
const LIVE_TRACKS = `
local function liveTracks(key)
  local live, out = {}, {}
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do
    local node = cjson.decode(all[i + 1]).node
    if live[node] == nil then live[node] = redis.call('EXISTS', '${NODE_KEY_PREFIX}' .. node) == 1 end
    if live[node] then table.insert(out, all[i + 1]) end
  end
  return out
end
`;

// KEYS: show, tracks. State, start and version of the show, and (while live) every live node's
// tracks, read at one instant.
const SNAPSHOT = `${READ_STATE}${LIVE_TRACKS}
local tracks = {}
if state == 'live' then tracks = liveTracks(KEYS[2]) end
return {state, h[2] or '', redis.call('HGET', KEYS[1], 'version') or '0', tracks}
`;

// KEYS: show. ARGV: peer. 1 while the peer holds the seat under a running lease.
const IS_HOST = `${NOW}
local h = redis.call('HMGET', KEYS[1], 'hostPeer', 'leaseUntil')
if h[1] == ARGV[1] and tonumber(h[2] or '0') > now then return 1 end
return 0
`;

// KEYS: tracks, show. ARGV: node, keepMs, then the node's tracks as JSON. Replaces what this node
// published before; other nodes' tracks stay. Bumps the show's version: viewers keep the newest.
const PUBLISH_TRACKS = `
redis.call('HINCRBY', KEYS[2], 'version', 1)
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).node == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]) end
end
for i = 3, #ARGV do
  local track = cjson.decode(ARGV[i])
  redis.call('HSET', KEYS[1], track.producerId, ARGV[i])
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
`;

// KEYS: tracks.
const TRACKS = `${LIVE_TRACKS}
return liveTracks(KEYS[1])
`;

/**
 * Who is on air, for every node: each gig's show state (`waiting` → `live` → `ended`, or
 * `interrupted` while its host is away), its start, its host seat and the tracks each node
 * publishes into it. Kept in Redis and changed only by Lua scripts, so nodes never disagree.
 *
 * The host seat carries a lease that the holding node renews (`renew`, every third of the lease);
 * when a node dies its leases lapse, and `sweep` (run by every node) turns its live shows
 * `interrupted` and frees the seats for a host reconnecting anywhere.
 */
export class Shows {
	/** The seats this node holds, by gig: renewed until their host leaves. */
	private readonly held = new Map<string, string>();

	constructor(
		private readonly redis: Redis,
		readonly nodeId: NodeId,
		readonly leaseMs: number
	) {}

	async state(gigId: string): Promise<ShowStatus> {
		const [state, startedAt] = (await this.redis.eval(STATUS, 1, key.show(gigId))) as [ShowState, string];
		return { state, startedAt: startedAt ? Number(startedAt) : null };
	}

	async isHost(gigId: string, peerId: string): Promise<boolean> {
		return (await this.redis.eval(IS_HOST, 1, key.show(gigId), peerId)) === 1;
	}

	/**
	 * Takes the host seat. A connected host keeps it unless the claimant presents the same session
	 * key (the same studio tab after a network blip, on any node), which replaces the old connection.
	 */
	async claimHost(gigId: string, peerId: string, sessionKey: string | undefined): Promise<HostClaim> {
		const [ok, replaced] = (await this.redis.eval(CLAIM, 2, key.show(gigId), key.leases, gigId, this.nodeId, peerId, sessionKey ?? '', this.leaseMs, KEEP_MS)) as [number, string];
		if (!ok) return { ok: false };
		this.held.set(gigId, peerId);
		return { ok: true, replacedPeerId: replaced || null };
	}

	/** Puts the show on air; `startedAt` is its start if it was not on (a resumed ended show), else Redis's now. */
	async start(gigId: string, startedAt?: number): Promise<ShowStatus> {
		const started = (await this.redis.eval(START, 1, key.show(gigId), KEEP_MS, startedAt === undefined ? '' : String(Math.round(startedAt)))) as string;
		return { state: 'live', startedAt: Number(started) };
	}

	async end(gigId: string): Promise<void> {
		await this.redis.multi().hset(key.show(gigId), 'state', 'ended').hincrby(key.show(gigId), 'version', 1).pexpire(key.show(gigId), KEEP_MS).exec();
	}

	/** The host's connection is gone: a live show is interrupted until they come back. True if `peerId` held the seat. */
	async hostLeft(gigId: string, peerId: string): Promise<boolean> {
		if (this.held.get(gigId) === peerId) this.held.delete(gigId);
		return (await this.redis.eval(HOST_LEFT, 2, key.show(gigId), key.leases, gigId, peerId)) === 1;
	}

	/** Extends the leases of the seats this node holds; returns the gigs whose seat it lost meanwhile. */
	async renew(): Promise<string[]> {
		if (this.held.size === 0) return [];
		const pairs = [...this.held].flat();
		const lost = (await this.redis.eval(RENEW, 1, key.leases, this.nodeId, this.leaseMs, ...pairs)) as string[];
		for (const gigId of lost) this.held.delete(gigId);
		return lost;
	}

	/** Frees seats whose lease lapsed (their node is gone); returns those gigs, now interrupted if they were live. */
	async sweep(limit = 100): Promise<string[]> {
		return (await this.redis.eval(SWEEP, 1, key.leases, limit)) as string[];
	}

	/** Replaces the tracks this node publishes into the gig. */
	async publishTracks(gigId: string, tracks: PublishedTrack[]): Promise<void> {
		const records = tracks.map((t) => JSON.stringify({ ...t, node: this.nodeId } satisfies ShowTrack));
		await this.redis.eval(PUBLISH_TRACKS, 2, key.tracks(gigId), key.show(gigId), this.nodeId, KEEP_MS, ...records);
	}

	/**
	 * What viewers see, read at one instant: state, start, a version that grows with every change
	 * (so a page keeps the newest whichever node's message arrives last) and, while live, the tracks.
	 */
	async snapshot(gigId: string): Promise<ShowStatus & { version: number; tracks: ShowTrack[] }> {
		const [state, startedAt, version, tracks] = (await this.redis.eval(SNAPSHOT, 2, key.show(gigId), key.tracks(gigId))) as [ShowState, string, string, string[]];
		return { state, startedAt: startedAt ? Number(startedAt) : null, version: Number(version), tracks: tracks.map((t) => JSON.parse(t) as ShowTrack) };
	}

	/** Every live node's tracks in the gig. */
	async tracks(gigId: string): Promise<ShowTrack[]> {
		const raw = (await this.redis.eval(TRACKS, 1, key.tracks(gigId))) as string[];
		return raw.map((r) => JSON.parse(r) as ShowTrack);
	}
}
