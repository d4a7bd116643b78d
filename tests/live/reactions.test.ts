import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from './single-node.js';
import { REACTION_COOLDOWN_MS } from '../../src/lib/live/messages.js';

const live = liveServerForThisFile();

describe('reactions', () => {
	it('float to everyone in the gig and are counted with the gig', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const fan = await live.joined(gig.id, viewer);
		const host = await live.joined(gig.id, creator);
		expect(fan.answer.reactions).toEqual({ heart: 0, applause: 0 });

		expect(await fan.client.request('react', { kind: 'heart' })).toEqual({ ok: { totals: { heart: 1, applause: 0 } } });
		expect(await host.client.request('react', { kind: 'applause' })).toEqual({ ok: { totals: { heart: 1, applause: 1 } } });
		for (const { client } of [fan, host]) {
			await client.event('reaction', 'everyone saw the heart', (r) => r.kind === 'heart' && r.count === 1);
			await client.event('reaction', 'everyone saw the applause', (r) => r.kind === 'applause' && r.totals.applause === 1);
		}
		// Kept with the gig: a later visitor sees the totals.
		expect((await live.joined(gig.id, viewer)).answer.reactions).toEqual({ heart: 1, applause: 1 });
		expect(await fan.client.request('react', { kind: 'confetti' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
	});

	it('cool a person down between reactions, answering RATE_LIMITED with a slow-down message', async () => {
		const { gig, viewer } = await live.make.show();
		const { client } = await live.joined(gig.id, viewer);
		expect(await client.request('react', { kind: 'heart' })).toHaveProperty('ok');
		const tooSoon = await client.request('react', { kind: 'applause' });
		expect(tooSoon).toMatchObject({ error: { code: 'RATE_LIMITED' } });
		expect(tooSoon.error.message).toMatch(/slow down/i);
		await new Promise((r) => setTimeout(r, REACTION_COOLDOWN_MS + 50));
		expect(await client.request('react', { kind: 'applause' })).toEqual({ ok: { totals: { heart: 1, applause: 1 } } });
	});

	it('need a seat in the gig’s chat', async () => {
		const { gig } = await live.make.show();
		const stranger = await live.make.person();
		const c = await live.client(stranger.cookie);
		expect(await c.request('react', { kind: 'heart' })).toMatchObject({ error: { code: 'NOT_JOINED' } });
		expect(await c.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'TICKET_REQUIRED' } });
	});
});
