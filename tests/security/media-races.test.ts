/**
 * Issue 9 items 1-3: requests raced against each other and against a disconnect, on one
 * connection. Whatever the interleaving, an attacker ends with no more than the limits allow,
 * in one gig at most, and nothing of theirs outlives their connection.
 */
import { describe, expect, it } from 'vitest';
import { attackSiteForThisFile, eventually, objectCounts, type RawClient } from './support/attack-site.js';
import { vp8Parameters } from '../support/media.js';
import type { Person } from '../support/fixtures.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const site = attackSiteForThisFile();

const LIMITS = { transports: 4, producers: 4, consumers: 32 };

async function joined(person: Person, gig: Gig, role: 'host' | 'viewer' = 'viewer'): Promise<RawClient> {
	const c = await site.media({ cookie: person.cookie });
	expect(await c.request('join', { gigId: gig.id, role }), `${role} join answers ok`).toHaveProperty('ok');
	return c;
}

const settle = (what: string, baseline: Awaited<ReturnType<typeof site.counts>>) =>
	eventually(what, site.counts, (now) => JSON.stringify(objectCounts(now)) === JSON.stringify(objectCounts(baseline)), 15_000);

/** `n` copies of one request sent at once; their answers. */
const burst = (c: RawClient, n: number, name: string, payload: (i: number) => unknown) => Promise.all(Array.from({ length: n }, (_, i) => c.request(name, payload(i))));
const oks = (answers: any[]) => answers.filter((a) => 'ok' in a).length;

describe('requests raced on one connection', () => {
	it('leaves no transport, router or worker memory behind when ticket holders disconnect with transport requests in flight', async () => {
		const { gig, viewer } = await site.make.show();
		const baseline = await site.counts();
		for (let round = 0; round < 120; round++) {
			const c = await joined(viewer, gig);
			for (let i = 0; i < 4; i++) c.socket.emit('transport:create', { direction: 'recv' }, () => {});
			// Spread the disconnects over the handlers' awaits: right away, and a little later.
			if (round % 3) await new Promise((r) => setTimeout(r, round % 7));
			c.close();
		}
		const after = await settle('every ghost transport and the empty gig room are gone', baseline);
		expect(objectCounts(after)).toEqual(objectCounts(baseline));
		// Four hundred leaked transports hold tens of MB in the worker.
		expect(after.workers[0]!.rssKb - baseline.workers[0]!.rssKb, 'worker memory growth (kB)').toBeLessThan(12_000);
	});

	it('gives the host seat back when a host connection drops in the middle of its join', async () => {
		const { gig, creator } = await site.make.show();
		const baseline = await site.counts();
		for (let round = 0; round < 30; round++) {
			const c = await site.media({ cookie: creator.cookie });
			c.socket.emit('join', { gigId: gig.id, role: 'host', sessionKey: `attacker-tab-key-${round}-0123456789` }, () => {});
			c.socket.emit('transport:create', { direction: 'send' }, () => {});
			await new Promise((r) => setTimeout(r, round % 10));
			c.close();
		}
		const studio = await site.media({ cookie: creator.cookie });
		const answer = await eventually(
			'the real studio may host the gig',
			() => studio.request('join', { gigId: gig.id, role: 'host', sessionKey: 'the-real-studio-tab-0123' }),
			(a) => 'ok' in a || a.error?.code !== 'GIG_HAS_HOST',
			3000
		).catch((error: Error) => ({ error: { code: 'GIG_HAS_HOST', message: error.message } }));
		expect(answer).toHaveProperty('ok');
		studio.close();
		await settle('the dropped host connections and the studio left nothing in the worker', baseline);
	});

	it('holds the transport limit against 40 concurrent requests on one connection', async () => {
		const { gig, viewer } = await site.make.show();
		const baseline = await site.counts();
		const c = await joined(viewer, gig);
		const answers = await burst(c, 40, 'transport:create', () => ({ direction: 'recv' }));
		expect(oks(answers)).toBe(LIMITS.transports);
		expect(answers.filter((a) => a.error?.code === 'LIMIT_REACHED')).toHaveLength(40 - LIMITS.transports);
		expect((await site.counts()).transports - baseline.transports).toBe(LIMITS.transports);
	});

	it('holds the track limit against 12 concurrent produce requests, and the consumer limit against 50 concurrent consumes', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const host = await joined(creator, gig, 'host');
		const send = await host.request('transport:create', { direction: 'send' });
		const produced = await burst(host, 12, 'produce', (i) => ({ transportId: send.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters(1000 + i) }));
		expect(oks(produced)).toBe(LIMITS.producers);
		expect(produced.filter((a) => a.error?.code === 'LIMIT_REACHED')).toHaveLength(12 - LIMITS.producers);

		const fan = await site.media({ cookie: viewer.cookie });
		const { ok: joinedFan } = await fan.request('join', { gigId: gig.id, role: 'viewer' });
		const recv = await fan.request('transport:create', { direction: 'recv' });
		const producerId = produced.find((a) => 'ok' in a).ok.producerId;
		const consumed = await burst(fan, 50, 'consume', () => ({ transportId: recv.ok.id, producerId, rtpCapabilities: joinedFan.rtpCapabilities }));
		expect(oks(consumed)).toBe(LIMITS.consumers);
		expect(consumed.filter((a) => a.error?.code === 'LIMIT_REACHED')).toHaveLength(50 - LIMITS.consumers);
		expect((await site.counts()).consumers).toBeGreaterThanOrEqual(LIMITS.consumers);
	});

	it('joins one gig only when one connection sends two joins at once', async () => {
		const { creator, viewer } = await site.make.show();
		const baseline = await site.counts();
		for (let trial = 0; trial < 20; trial++) {
			const [one, other] = [await site.make.gig(creator), await site.make.gig(creator)];
			for (const gig of [one, other]) await site.make.ticket(gig, viewer);
			const c = await site.media({ cookie: viewer.cookie });
			const answers = await Promise.all([c.request('join', { gigId: one.id, role: 'viewer' }), c.request('join', { gigId: other.id, role: 'viewer' })]);
			expect(oks(answers), `trial ${trial}: one of two joins answers ok`).toBe(1);
			expect(answers.find((a) => 'error' in a)).toMatchObject({ error: { code: 'ALREADY_JOINED' } });
			c.close();
		}
		await settle('every gig room of the trials is released', baseline);
	});

	it('joins one gig’s chat only, and counts its viewer once, when one connection sends joins at once', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const other = await site.make.gig(creator);
		await site.make.ticket(other, viewer);
		const watcher = await site.live({ cookie: creator.cookie });
		await watcher.request('live:join', { gigId: gig.id });

		const c = await site.live({ cookie: viewer.cookie });
		const answers = await Promise.all([
			c.request('live:join', { gigId: gig.id }),
			c.request('live:join', { gigId: other.id }),
			c.request('live:join', { gigId: gig.id }),
			c.request('live:join', { gigId: gig.id })
		]);
		const refused = answers.filter((a) => 'error' in a);
		expect(refused.every((a) => a.error.code === 'ALREADY_JOINED'), JSON.stringify(refused)).toBe(true);
		const gigIds = new Set(answers.flatMap((a, i) => ('ok' in a ? [[gig.id, other.id, gig.id, gig.id][i]] : [])));
		expect(gigIds.size, 'gigs whose chat the connection joined').toBe(1);

		const chosen = [...gigIds][0]!;
		expect(await viewersOf(chosen), 'viewers counted in the joined gig').toBe(1);
		c.close();
		await eventually('the viewer leaves the count with their connection', () => viewersOf(chosen), (n) => n === 0);
	});
});

/** The gig's viewer count as a fresh follower of its page is told it. */
async function viewersOf(gigId: string): Promise<number> {
	const follower = await site.live();
	const answer = await follower.request('live:follow', { gigId });
	follower.close();
	return answer.ok.gigs[0].viewers.count;
}
