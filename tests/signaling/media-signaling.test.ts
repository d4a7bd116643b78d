import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestServer, type TestClient, type TestServer } from '../support/server.js';
import { vp8Parameters, waitFor } from '../support/media.js';
import { requests, type ShowSnapshot } from '../../src/lib/signaling/messages.js';

let server: TestServer;
const clients: TestClient[] = [];

async function client(): Promise<TestClient> {
	const c = await connectClient(server.url);
	clients.push(c);
	return c;
}

/** A host that joined, opened a send transport and published one (silent) video track. */
async function hostWithTrack(gigId: string) {
	const host = await client();
	expect(await host.request('join', { gigId, role: 'host' })).toHaveProperty('ok');
	const transport = (await host.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
	const produced = await host.request('produce', { transportId: transport.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() });
	expect(produced).toHaveProperty('ok.producerId');
	return { host, transportId: transport.ok.id, producerId: (produced as { ok: { producerId: string } }).ok.producerId };
}

beforeAll(async () => {
	server = await startTestServer();
});
afterEach(() => {
	for (const c of clients.splice(0)) c.close();
});
afterAll(() => server.close());

describe('media signaling', () => {
	it('answers a join with router capabilities and a waiting show', async () => {
		const viewer = await client();
		const answer = await viewer.request('join', { gigId: 'quiet-gig', role: 'viewer' });
		expect(answer).toMatchObject({ ok: { rtpCapabilities: { codecs: expect.any(Array) }, show: { state: 'waiting', tracks: [] } } });
	});

	it('refuses malformed messages with BAD_REQUEST and keeps serving', async () => {
		const c = await client();
		expect(await c.request('join', { gigId: '../../etc', role: 'viewer' })).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('gigId') } });
		expect(await c.request('join', { gigId: 'ok', role: 'boss' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', 'not an object')).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', null)).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await c.request('join', { gigId: 'ok', role: 'viewer' })).toHaveProperty('ok');
		expect(await c.request('transport:connect', { transportId: 'x', dtlsParameters: { fingerprints: 'nope' } })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
	});

	it('refuses unknown messages with UNKNOWN_MESSAGE', async () => {
		const c = await client();
		expect(await c.request('drop-tables', {})).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
		expect(await c.request('__proto__', {})).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
	});

	it('refuses oversized messages with PAYLOAD_TOO_LARGE and keeps the connection', async () => {
		const c = await client();
		const huge = { gigId: 'big', role: 'viewer', padding: 'x'.repeat(100_000) };
		expect(await c.request('join', huge)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
		expect(await c.request('join', { gigId: 'big', role: 'viewer' })).toHaveProperty('ok');
	});

	it('drops a connection that sends more than the transport limit, and serves everyone else', async () => {
		const abuser = await client();
		const bystander = await client();
		abuser.socket.emit('join', { padding: 'x'.repeat(2_000_000) }, () => {});
		await waitFor('the abusive connection is dropped', () => !abuser.socket.connected);
		expect(await bystander.request('join', { gigId: 'still-up', role: 'viewer' })).toHaveProperty('ok');
	});

	it('refuses out-of-order requests with clear codes', async () => {
		const c = await client();
		expect(await c.request('transport:create', { direction: 'recv' })).toMatchObject({ error: { code: 'NOT_JOINED' } });
		expect(await c.request('show:start', {})).toMatchObject({ error: { code: 'NOT_JOINED' } });
		await c.request('join', { gigId: 'order', role: 'viewer' });
		expect(await c.request('transport:create', { direction: 'send' })).toMatchObject({ error: { code: 'NOT_HOST' } });
		expect(await c.request('consume', { transportId: 'nope', producerId: 'nope', rtpCapabilities: {} })).toMatchObject({ error: { code: 'TRANSPORT_NOT_FOUND' } });
		expect(await c.request('consumer:resume', { consumerId: 'nope' })).toMatchObject({ error: { code: 'CONSUMER_NOT_FOUND' } });
		expect(await c.request('join', { gigId: 'another-gig', role: 'viewer' })).toMatchObject({ error: { code: 'ALREADY_JOINED' } });
	});

	it('refuses going live with nothing published', async () => {
		const host = await client();
		await host.request('join', { gigId: 'empty-stage', role: 'host' });
		expect(await host.request('show:start', {})).toMatchObject({ error: { code: 'NOTHING_TO_SHOW' } });
	});

	it('refuses a second host for a gig that has one', async () => {
		await hostWithTrack('one-host');
		const rival = await client();
		expect(await rival.request('join', { gigId: 'one-host', role: 'host', sessionKey: 'a-different-tab-key' })).toMatchObject({ error: { code: 'GIG_HAS_HOST' } });
	});

	it('lets the same studio tab take its place back after a reconnect', async () => {
		const key = 'studio-tab-key-0123456789';
		const first = await client();
		await first.request('join', { gigId: 'comeback', role: 'host', sessionKey: key });
		const replaced = new Promise<void>((resolve) => first.socket.once('host:replaced', () => resolve()));
		const second = await client();
		expect(await second.request('join', { gigId: 'comeback', role: 'host', sessionKey: key })).toHaveProperty('ok');
		await replaced;
	});

	it('tells viewers when the show goes live, lists its tracks, and when it ends', async () => {
		const viewer = await client();
		const shows: ShowSnapshot[] = [];
		viewer.socket.on('show', (s: ShowSnapshot) => shows.push(s));
		await viewer.request('join', { gigId: 'live-gig', role: 'viewer' });

		const { host, producerId } = await hostWithTrack('live-gig');
		expect(await host.request('show:start', {})).toMatchObject({ ok: { state: 'live', startedAt: expect.any(Number) } });
		await waitFor('the viewer sees the show live', () => shows.some((s) => s.state === 'live'));
		expect(shows.find((s) => s.state === 'live')!.tracks).toEqual([{ producerId, kind: 'video', source: 'camera' }]);

		expect(await host.request('show:end', {})).toHaveProperty('ok');
		await waitFor('the viewer sees the show ended', () => shows.at(-1)?.state === 'ended');
		expect(shows.at(-1)!.tracks).toEqual([]);
	});

	it('marks a live show interrupted when the host drops, and live again when they return', async () => {
		const viewer = await client();
		const shows: ShowSnapshot[] = [];
		viewer.socket.on('show', (s: ShowSnapshot) => shows.push(s));
		await viewer.request('join', { gigId: 'flaky-host', role: 'viewer' });
		const { host } = await hostWithTrack('flaky-host');
		await host.request('show:start', {});
		host.close();
		await waitFor('the viewer sees the show interrupted', () => shows.at(-1)?.state === 'interrupted');

		const { host: back } = await hostWithTrack('flaky-host');
		await back.request('show:start', {});
		await waitFor('the viewer sees the show live again', () => shows.at(-1)?.state === 'live');
	});

	it('lets a viewer consume the live show, and never another gig’s producer', async () => {
		const { host, producerId } = await hostWithTrack('consumable');
		await host.request('show:start', {});
		const viewer = await client();
		const joined = (await viewer.request('join', { gigId: 'consumable', role: 'viewer' })) as { ok: { rtpCapabilities: unknown } };
		const recv = (await viewer.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		const consumed = await viewer.request('consume', { transportId: recv.ok.id, producerId, rtpCapabilities: joined.ok.rtpCapabilities });
		expect(consumed).toMatchObject({ ok: { producerId, kind: 'video', type: 'simple' } });

		const outsider = await client();
		const other = (await outsider.request('join', { gigId: 'elsewhere', role: 'viewer' })) as { ok: { rtpCapabilities: unknown } };
		const otherRecv = (await outsider.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		expect(await outsider.request('consume', { transportId: otherRecv.ok.id, producerId, rtpCapabilities: other.ok.rtpCapabilities })).toMatchObject({
			error: { code: 'PRODUCER_NOT_FOUND' }
		});
	});

	it('answers a second connect of the same transport with ALREADY_CONNECTED', async () => {
		const c = await client();
		await c.request('join', { gigId: 'twice', role: 'viewer' });
		const recv = (await c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		const dtls = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array(32).fill('AB').join(':') }] };
		expect(await c.request('transport:connect', { transportId: recv.ok.id, dtlsParameters: dtls })).toHaveProperty('ok');
		expect(await c.request('transport:connect', { transportId: recv.ok.id, dtlsParameters: dtls })).toMatchObject({ error: { code: 'ALREADY_CONNECTED' } });
	});

	it('answers junk sent to every message with a coded error and keeps serving', async () => {
		const c = await client();
		await c.request('join', { gigId: 'junk-yard', role: 'host' });
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
		const fresh = await client();
		expect(await fresh.request('join', { gigId: 'junk-yard', role: 'viewer' })).toHaveProperty('ok');
	});
});
