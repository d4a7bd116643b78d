import { describe, expect, it } from 'vitest';
import { serverForThisFile, type TestClient } from '../support/server.js';
import type { Person } from '../support/fixtures.js';
import { vp8Parameters } from '../support/media.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const site = serverForThisFile();

const client = (cookie?: string): Promise<TestClient> => site.media(cookie);

/** A live show with one published track; returns its producer id. */
async function liveShow(gig: Gig, creator: Person): Promise<string> {
	const host = await client(creator.cookie);
	await host.request('join', { gigId: gig.id, role: 'host' });
	const transport = (await host.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
	const produced = (await host.request('produce', { transportId: transport.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() })) as {
		ok: { producerId: string };
	};
	expect(await host.request('show:start', {})).toHaveProperty('ok');
	return produced.ok.producerId;
}

/** How many consumers the server holds in this gig's room. */
async function consumersOf(gigId: string): Promise<number> {
	return (await site.server.server.sfu.existingRoom(gigId))?.consumerCount ?? 0;
}


describe('who may receive media', () => {
	it('refuses a logged-out visitor with LOGIN_REQUIRED', async () => {
		const { gig, creator } = await site.make.show();
		await liveShow(gig, creator);
		const c = await client();
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
		expect(await c.request('transport:create', { direction: 'recv' })).toMatchObject({ error: { code: 'NOT_JOINED' } });
		expect(await consumersOf(gig.id)).toBe(0);
	});

	it('refuses a forged session like a logged-out visitor', async () => {
		const { gig, creator } = await site.make.show();
		await liveShow(gig, creator);
		const c = await client('gs_session=forged-token-that-was-never-issued');
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
	});

	it('refuses a logged-in person without a ticket with TICKET_REQUIRED', async () => {
		const { gig, creator } = await site.make.show();
		await liveShow(gig, creator);
		const stranger = await site.make.person();
		const c = await client(stranger.cookie);
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'TICKET_REQUIRED' } });
		expect(await consumersOf(gig.id)).toBe(0);
	});

	it('refuses a ticket for another gig', async () => {
		const { gig, creator } = await site.make.show();
		await liveShow(gig, creator);
		const other = await site.make.show();
		const c = await client(other.viewer.cookie);
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'TICKET_REQUIRED' } });
	});

	it('refuses an unknown gig with GIG_NOT_FOUND', async () => {
		const viewer = await site.make.person();
		const c = await client(viewer.cookie);
		expect(await c.request('join', { gigId: 'no-such-gig', role: 'viewer' })).toMatchObject({ error: { code: 'GIG_NOT_FOUND' } });
	});

	it('lets only the gig’s creator host it', async () => {
		const { gig, viewer } = await site.make.show();
		const otherCreator = await site.make.person('creator');
		for (const person of [viewer, otherCreator]) {
			const c = await client(person.cookie);
			expect(await c.request('join', { gigId: gig.id, role: 'host' })).toMatchObject({ error: { code: 'NOT_HOST' } });
		}
	});

	it('gives a ticket holder the show, and stops media requests once their session ends', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const producerId = await liveShow(gig, creator);
		const c = await client(viewer.cookie);
		const joined = (await c.request('join', { gigId: gig.id, role: 'viewer' })) as { ok: { rtpCapabilities: unknown; show: { tracks: { producerId: string }[] } } };
		expect(joined.ok.show.tracks.map((t) => t.producerId)).toEqual([producerId]);
		const recv = (await c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		expect(await c.request('consume', { transportId: recv.ok.id, producerId, rtpCapabilities: joined.ok.rtpCapabilities })).toHaveProperty('ok.id');
		expect(await consumersOf(gig.id)).toBe(1);

		await site.make.accounts.endSession(viewer.token);
		expect(await c.request('consume', { transportId: recv.ok.id, producerId, rtpCapabilities: joined.ok.rtpCapabilities })).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
		expect(await consumersOf(gig.id)).toBe(1);
	});

	it('refuses media for a cancelled gig', async () => {
		const { gig, creator, viewer } = await site.make.show();
		await site.make.gigs.cancel(gig.id, creator.user);
		const c = await client(viewer.cookie);
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'GIG_CANCELLED' } });
	});
});
