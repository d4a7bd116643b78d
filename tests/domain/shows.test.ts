import { describe, expect, it } from 'vitest';
import { Shows } from '../../src/lib/server/shows.js';
import { Nodes, newNodeId } from '../../src/lib/server/nodes.js';
import type { PublishedTrack } from '../../src/lib/signaling/messages.js';
import { redisForThisFile } from '../support/redis.js';
import { waitFor } from '../support/media.js';

const r = redisForThisFile();
const LEASE_MS = 400;
/** One node's view of the shows, as each server process has it. */
const node = (leaseMs = 10_000) => new Shows(r.redis, newNodeId(), leaseMs);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const track = (producerId: string, kind: 'audio' | 'video' = 'video'): PublishedTrack => ({
	producerId,
	kind,
	source: kind === 'video' ? 'camera' : 'microphone',
	participant: { id: 'u1', name: 'Host', role: 'host' }
});

describe('show state in Redis', () => {
	it('goes waiting → live → interrupted → live (same start) → ended, seen alike from every node', async () => {
		const [a, b] = [node(), node()];
		expect(await b.state('g1')).toEqual({ state: 'waiting', startedAt: null });
		expect((await a.claimHost('g1', 'host-1', 'tab-aaaaaaaaaaaaaaaa')).ok).toBe(true);
		const { startedAt } = await a.start('g1');
		expect(await b.state('g1')).toEqual({ state: 'live', startedAt });

		expect(await a.hostLeft('g1', 'host-1')).toBe(true);
		expect(await b.state('g1')).toEqual({ state: 'interrupted', startedAt });
		expect((await b.claimHost('g1', 'host-2', undefined)).ok).toBe(true);
		await sleep(5);
		expect(await b.start('g1')).toEqual({ state: 'live', startedAt });
		await b.end('g1');
		expect(await a.state('g1')).toEqual({ state: 'ended', startedAt });
	});

	it('keeps the seat for its host against other connections and nodes, but gives it to the same studio tab on another node', async () => {
		const [a, b] = [node(), node()];
		expect(await a.claimHost('g2', 'host-1', 'tab-aaaaaaaaaaaaaaaa')).toEqual({ ok: true, replacedPeerId: null });
		expect(await b.claimHost('g2', 'intruder', undefined)).toEqual({ ok: false });
		expect(await b.claimHost('g2', 'intruder', 'tab-bbbbbbbbbbbbbbbb')).toEqual({ ok: false });
		expect(await b.isHost('g2', 'intruder')).toBe(false);
		expect(await b.claimHost('g2', 'host-1b', 'tab-aaaaaaaaaaaaaaaa')).toEqual({ ok: true, replacedPeerId: 'host-1' });
		expect(await a.isHost('g2', 'host-1')).toBe(false);
		expect(await a.isHost('g2', 'host-1b')).toBe(true);
		// The replaced connection leaving later does not unseat its successor.
		expect(await a.hostLeft('g2', 'host-1')).toBe(false);
		expect(await a.isHost('g2', 'host-1b')).toBe(true);
	});

	it('gives the seat to exactly one of many connections claiming it at once from two nodes', async () => {
		const [a, b] = [node(), node()];
		const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claimHost('g3', `peer-${i}`, undefined)));
		expect(claims.filter((c) => c.ok)).toHaveLength(1);
	});

	it('interrupts a live show whose node stopped renewing its lease, and frees the seat for a host on another node', async () => {
		const dying = node(LEASE_MS);
		const survivor = node(LEASE_MS);
		await dying.claimHost('g4', 'host-1', 'tab-aaaaaaaaaaaaaaaa');
		const { startedAt } = await dying.start('g4');
		expect(await survivor.claimHost('g4', 'host-2', undefined)).toEqual({ ok: false });

		// `dying` never renews again, as if its process was killed.
		await sleep(LEASE_MS + 50);
		expect(await survivor.state('g4'), 'a lapsed lease reads as interrupted before any sweep').toEqual({ state: 'interrupted', startedAt });
		expect(await survivor.sweep()).toEqual(['g4']);
		expect(await survivor.sweep(), 'a lapsed seat is swept once').toEqual([]);
		expect(await survivor.claimHost('g4', 'host-2', undefined)).toEqual({ ok: true, replacedPeerId: null });
		expect(await survivor.start('g4')).toEqual({ state: 'live', startedAt });
		expect(await dying.renew(), 'the dead node learns it lost the seat if it ever comes back').toEqual(['g4']);
	});

	it('keeps a renewed lease alive past its length and sweeps nothing', async () => {
		const a = node(LEASE_MS);
		await a.claimHost('g5', 'host-1', undefined);
		await a.start('g5');
		for (let i = 0; i < 4; i++) {
			await sleep(LEASE_MS / 3);
			expect(await a.renew()).toEqual([]);
		}
		expect(await a.sweep()).toEqual([]);
		expect((await a.state('g5')).state).toBe('live');
		expect(await a.isHost('g5', 'host-1')).toBe(true);
	});

	it('lists the tracks of every live node, replaces a node’s own list, and hides a dead node’s tracks', async () => {
		const nodes = new Nodes(r.redis, 300);
		const [a, b] = [node(), node()];
		await nodes.join(a.nodeId, { pipeAddress: '127.0.0.1' }, () => {});
		const otherNodes = new Nodes(r.redis, 300);
		await otherNodes.join(b.nodeId, { pipeAddress: '127.0.0.1' }, () => {});

		await a.publishTracks('g6', [track('p1'), track('p2', 'audio')]);
		await b.publishTracks('g6', [track('p3')]);
		expect((await b.tracks('g6')).map((t) => [t.producerId, t.node]).sort()).toEqual([
			['p1', a.nodeId],
			['p2', a.nodeId],
			['p3', b.nodeId]
		]);
		await a.publishTracks('g6', [track('p2', 'audio')]);
		expect((await b.tracks('g6')).map((t) => t.producerId).sort()).toEqual(['p2', 'p3']);

		await otherNodes.leave(b.nodeId);
		expect((await a.tracks('g6')).map((t) => t.producerId)).toEqual(['p2']);
		// A node that stops beating (killed) drops out when its entry expires.
		clearInterval((nodes as unknown as { timer: NodeJS.Timeout }).timer);
		await waitFor('the silent node’s tracks are hidden', async () => (await a.tracks('g6')).length === 0, 2000);
	});
});
