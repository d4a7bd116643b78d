import { describe, expect, it } from 'vitest';
import { serverForThisFile, type TestClient } from '../support/server.js';
import type { Person } from '../support/fixtures.js';
import { vp8Parameters, waitFor } from '../support/media.js';
import { requests, type ShowSnapshot } from '../../src/lib/signaling/messages.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

const site = serverForThisFile();

const client = (person?: Person): Promise<TestClient> => site.media(person?.cookie);

/** The gig's host, joined, with a send transport and one (silent) video track published. */
async function hostWithTrack(gig: Gig, creator: Person, sessionKey?: string) {
	const host = await client(creator);
	expect(await host.request('join', { gigId: gig.id, role: 'host', sessionKey })).toHaveProperty('ok');
	const transport = (await host.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
	const produced = await host.request('produce', { transportId: transport.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() });
	expect(produced).toHaveProperty('ok.producerId');
	return { host, transportId: transport.ok.id, producerId: (produced as { ok: { producerId: string } }).ok.producerId };
}

/** A ticket holder of the gig, joined as a viewer, collecting the show snapshots pushed to it. */
async function watching(gig: Gig, viewer: Person) {
	const c = await client(viewer);
	const shows: ShowSnapshot[] = [];
	c.socket.on('show', (s: ShowSnapshot) => shows.push(s));
	const joined = await c.request('join', { gigId: gig.id, role: 'viewer' });
	expect(joined).toHaveProperty('ok');
	return { c, shows, joined: joined as { ok: { rtpCapabilities: unknown; show: ShowSnapshot } } };
}


describe('media signaling', () => {
	it('answers a join with router capabilities and a waiting show', async () => {
		const { gig, viewer } = await site.make.show();
		const { joined } = await watching(gig, viewer);
		expect(joined).toMatchObject({ ok: { rtpCapabilities: { codecs: expect.any(Array) }, show: { state: 'waiting', tracks: [] } } });
	});

	it('refuses malformed messages with BAD_REQUEST and keeps serving', async () => {
		const { gig, viewer } = await site.make.show();
		const c = await client(viewer);
		expect(await c.request('join', { gigId: '../../etc', role: 'viewer' })).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('gigId') } });
		expect(await c.request('join', { gigId: gig.id, role: 'boss' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', 'not an object')).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', null)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
		expect(await c.request('transport:connect', { transportId: 'x', dtlsParameters: { fingerprints: 'nope' } })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
	});

	it('refuses unknown messages with UNKNOWN_MESSAGE', async () => {
		const c = await client();
		expect(await c.request('drop-tables', {})).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
		expect(await c.request('__proto__', {})).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
	});

	it('refuses oversized messages with PAYLOAD_TOO_LARGE and keeps the connection', async () => {
		const { gig, viewer } = await site.make.show();
		const c = await client(viewer);
		const huge = { gigId: gig.id, role: 'viewer', padding: 'x'.repeat(100_000) };
		expect(await c.request('join', huge)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
		expect(await c.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});

	it('drops a connection that sends more than the transport limit, and serves everyone else', async () => {
		const { gig, viewer } = await site.make.show();
		const abuser = await client();
		const bystander = await client(viewer);
		abuser.socket.emit('join', { padding: 'x'.repeat(2_000_000) }, () => {});
		await waitFor('the abusive connection is dropped', () => !abuser.socket.connected);
		expect(await bystander.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});

	it('refuses out-of-order requests with clear codes', async () => {
		const { gig, viewer } = await site.make.show();
		const other = await site.make.show();
		const c = await client(viewer);
		expect(await c.request('transport:create', { direction: 'recv' })).toMatchObject({ error: { code: 'NOT_JOINED' } });
		expect(await c.request('show:start', {})).toMatchObject({ error: { code: 'NOT_JOINED' } });
		await c.request('join', { gigId: gig.id, role: 'viewer' });
		expect(await c.request('transport:create', { direction: 'send' })).toMatchObject({ error: { code: 'NOT_HOST' } });
		expect(await c.request('consume', { transportId: 'nope', producerId: 'nope', rtpCapabilities: {} })).toMatchObject({ error: { code: 'TRANSPORT_NOT_FOUND' } });
		expect(await c.request('consumer:resume', { consumerId: 'nope' })).toMatchObject({ error: { code: 'CONSUMER_NOT_FOUND' } });
		expect(await c.request('join', { gigId: other.gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'ALREADY_JOINED' } });
	});

	it('refuses going live with nothing published', async () => {
		const { gig, creator } = await site.make.show();
		const host = await client(creator);
		await host.request('join', { gigId: gig.id, role: 'host' });
		expect(await host.request('show:start', {})).toMatchObject({ error: { code: 'NOTHING_TO_SHOW' } });
	});

	it('refuses a second host tab for a gig that has one', async () => {
		const { gig, creator } = await site.make.show();
		await hostWithTrack(gig, creator, 'first-tab-key-0123456789');
		const rival = await client(creator);
		expect(await rival.request('join', { gigId: gig.id, role: 'host', sessionKey: 'a-different-tab-key' })).toMatchObject({ error: { code: 'GIG_HAS_HOST' } });
	});

	it('lets the same studio tab take its place back after a reconnect', async () => {
		const { gig, creator } = await site.make.show();
		const key = 'studio-tab-key-0123456789';
		const first = await client(creator);
		await first.request('join', { gigId: gig.id, role: 'host', sessionKey: key });
		const replaced = new Promise<void>((resolve) => first.socket.once('host:replaced', () => resolve()));
		const second = await client(creator);
		expect(await second.request('join', { gigId: gig.id, role: 'host', sessionKey: key })).toHaveProperty('ok');
		await replaced;
	});

	it('tells viewers when the show goes live, lists its tracks, and when it ends', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const { shows } = await watching(gig, viewer);
		const { host, producerId } = await hostWithTrack(gig, creator);
		expect(await host.request('show:start', {})).toMatchObject({ ok: { state: 'live', startedAt: expect.any(Number) } });
		await waitFor('the viewer sees the show live', () => shows.some((s) => s.state === 'live'));
		expect(shows.find((s) => s.state === 'live')!.tracks).toEqual([
			{ producerId, kind: 'video', source: 'camera', participant: { id: creator.user.id, name: expect.any(String), role: 'host' } }
		]);
		expect(await site.make.gigs.get(gig.id)).toMatchObject({ status: 'live', startedAt: expect.any(Number) });

		expect(await host.request('show:end', {})).toHaveProperty('ok');
		await waitFor('the viewer sees the show ended', () => shows.at(-1)?.state === 'ended');
		expect(shows.at(-1)!.tracks).toEqual([]);
		expect(await site.make.gigs.get(gig.id)).toMatchObject({ status: 'ended' });
	});

	it('marks a live show interrupted when the host drops, and live again when they return', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const { shows } = await watching(gig, viewer);
		const { host } = await hostWithTrack(gig, creator);
		await host.request('show:start', {});
		host.close();
		await waitFor('the viewer sees the show interrupted', () => shows.at(-1)?.state === 'interrupted');

		const { host: back } = await hostWithTrack(gig, creator);
		await back.request('show:start', {});
		await waitFor('the viewer sees the show live again', () => shows.at(-1)?.state === 'live');
	});

	it('lets a ticket holder consume the live show, and never another gig’s producer', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const { host, producerId } = await hostWithTrack(gig, creator);
		await host.request('show:start', {});
		const { c, joined } = await watching(gig, viewer);
		const recv = (await c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		const consumed = await c.request('consume', { transportId: recv.ok.id, producerId, rtpCapabilities: joined.ok.rtpCapabilities });
		expect(consumed).toMatchObject({ ok: { producerId, kind: 'video', type: 'simple' } });

		const elsewhere = await site.make.show();
		const outsider = await watching(elsewhere.gig, elsewhere.viewer);
		const otherRecv = (await outsider.c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		expect(await outsider.c.request('consume', { transportId: otherRecv.ok.id, producerId, rtpCapabilities: outsider.joined.ok.rtpCapabilities })).toMatchObject({
			error: { code: 'PRODUCER_NOT_FOUND' }
		});
	});

	it('answers a second connect of the same transport with ALREADY_CONNECTED', async () => {
		const { gig, viewer } = await site.make.show();
		const { c } = await watching(gig, viewer);
		const recv = (await c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] };
		expect(await c.request('transport:connect', { transportId: recv.ok.id, dtlsParameters: dtls })).toHaveProperty('ok');
		expect(await c.request('transport:connect', { transportId: recv.ok.id, dtlsParameters: dtls })).toMatchObject({ error: { code: 'ALREADY_CONNECTED' } });
	});

	it('answers junk sent to every message with a coded error and keeps serving', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const c = await client(creator);
		await c.request('join', { gigId: gig.id, role: 'host' });
		let deep: unknown = {};
		for (let i = 0; i < 2000; i++) deep = { a: deep };
		const junk: unknown[] = [null, 42, 'text', [], [1, 2], true, { transportId: {} }, JSON.parse('{"__proto__":{"polluted":1}}'), deep];
		for (const name of Object.keys(requests)) {
			for (const payload of junk) {
				const answer = await c.request(name, payload);
				if ('error' in answer) expect(answer.error.code, `${name} ${JSON.stringify(payload)?.slice(0, 40)}`).toMatch(/^[A-Z_]+$/);
				expect(answer, name).not.toMatchObject({ error: { code: 'INTERNAL' } });
			}
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		const fresh = await client(viewer);
		expect(await fresh.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});
});
