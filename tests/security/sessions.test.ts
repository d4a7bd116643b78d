/**
 * Issue 9 item 13: losing access (log-out, a cancelled gig, a password change or deleted account)
 * closes the stream and chat connections already open, on every node, not only new requests.
 * Node A is the production server with its pages; node B serves Socket.IO on the same Redis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { connectRaw, eventually, PROBE_ARGS, probeAddress, readCounts, type RawClient } from './support/attack-site.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { startNode, startSharedRedis, type GigstageNode, type SharedRedis } from '../support/two-nodes.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures, type Person } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { vp8Parameters } from '../support/media.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';
import { loadConfig } from '../../server/config.js';
import { createServer, type GigstageServer } from '../../server/app.js';
import { services } from '../../src/lib/server/services.js';
import { accountRoom } from '../../server/signaling/connections.js';

let shared: SharedRedis;
let a: ServerProcess;
let b: GigstageNode;
let redis: Redis;
let make: ReturnType<typeof fixtures>;
const open: RawClient[] = [];

beforeAll(async () => {
	shared = await startSharedRedis();
	[a, b] = await Promise.all([
		startServerProcess({ REDIS_URL: shared.url, RTMP_PORT: '0' }),
		startNode('b', shared.url, { RTMP_ENABLED: 'false' }, { nodeArgs: PROBE_ARGS })
	]);
	redis = await connectRedis({ url: shared.url });
	make = fixtures(redis);
});
afterEach(() => {
	for (const c of open.splice(0)) c.close();
});
afterAll(async () => {
	redis?.disconnect();
	await Promise.all([a?.stop(), b?.stop()]);
	await shared?.stop();
});

const onA = async (namespace: string, cookie?: string) => track(await connectRaw(a.url, namespace, { cookie }));
const onB = async (namespace: string, cookie?: string) => track(await connectRaw(b.url, namespace, { cookie }));
const track = (c: RawClient) => (open.push(c), c);
const closed = (c: RawClient, what: string) => eventually(what, async () => c.socket.connected, (connected) => !connected, 5000);
const countsOnB = () => readCounts(probeAddress(b.logs));

async function chatting(c: RawClient, gigId: string): Promise<RawClient> {
	expect(await c.request('live:join', { gigId }), 'live:join answers ok').toHaveProperty('ok');
	return c;
}

/** The host live on node B with one track, and `viewer` consuming it there. */
async function watchingOnB(gigId: string, creator: Person, cookie: string) {
	const host = await onB(MEDIA_NAMESPACE, creator.cookie);
	expect(await host.request('join', { gigId, role: 'host' })).toHaveProperty('ok');
	const send = await host.request('transport:create', { direction: 'send' });
	const { ok: produced } = await host.request('produce', { transportId: send.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() });
	expect(await host.request('show:start', {})).toHaveProperty('ok');
	const viewer = await onB(MEDIA_NAMESPACE, cookie);
	const { ok: joined } = await viewer.request('join', { gigId, role: 'viewer' });
	const recv = await viewer.request('transport:create', { direction: 'recv' });
	expect(await viewer.request('consume', { transportId: recv.ok.id, producerId: produced.producerId, rtpCapabilities: joined.rtpCapabilities })).toHaveProperty('ok');
	return { host, viewer };
}

describe('connections closed when access ends', () => {
	it('closes the stream and chat connections of a session that logs out on node A, on both nodes, and keeps the person’s other session', async () => {
		const { gig, creator, viewer } = await make.show();
		const otherSession = `gs_session=${await make.accounts.createSession(viewer.user.id)}`;
		const before = await countsOnB();
		const { viewer: stream } = await watchingOnB(gig.id, creator, viewer.cookie);
		expect((await countsOnB()).consumers).toBe(before.consumers + 1);
		const chats = [await chatting(await onA(LIVE_NAMESPACE, viewer.cookie), gig.id), await chatting(await onB(LIVE_NAMESPACE, viewer.cookie), gig.id)];
		const kept = await chatting(await onB(LIVE_NAMESPACE, otherSession), gig.id);

		const logout = await new HttpClient(a.url).useSession(viewer.token).post('/logout', {});
		expect(logout.status).toBe(303);

		await closed(stream, 'the logged-out session’s stream connection on node B was closed');
		for (const [i, chat] of chats.entries()) await closed(chat, `the logged-out session’s chat connection ${i} was closed`);
		await eventually('the logged-out viewer’s consumer on node B is gone', countsOnB, (now) => now.consumers === before.consumers);
		expect(kept.socket.connected, 'the viewer’s other session stays connected').toBe(true);
		expect(await kept.request('chat:send', { text: 'still here' })).toHaveProperty('ok');
	});

	it('closes a cancelled gig’s stream and chat connections on both nodes, and tells its page', async () => {
		const { gig, creator, viewer } = await make.show();
		const stream = await onB(MEDIA_NAMESPACE, viewer.cookie);
		expect(await stream.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
		const chats = [await chatting(await onA(LIVE_NAMESPACE, viewer.cookie), gig.id), await chatting(await onB(LIVE_NAMESPACE, viewer.cookie), gig.id)];
		const page = await onB(LIVE_NAMESPACE);
		const statuses: { state: string }[] = [];
		page.socket.on('status', (s) => statuses.push(s));
		expect(await page.request('live:follow', { gigId: gig.id })).toHaveProperty('ok');

		const cancel = await new HttpClient(a.url).useSession(creator.token).post(`/gigs/${gig.id}/edit?/cancel`, { confirm: 'yes' });
		expect(cancel.status).toBe(303);

		await closed(stream, 'the cancelled gig’s stream connection on node B was closed');
		for (const [i, chat] of chats.entries()) await closed(chat, `chat connection ${i} of the cancelled gig was closed`);
		await eventually('the gig’s page heard it was cancelled', async () => statuses, (s) => s.some((x) => x.state === 'cancelled'));
		expect(page.socket.connected, 'the public page keeps following').toBe(true);
	});

	describe('from a third node in this process', () => {
		let third: GigstageServer;
		const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-third-'));
		beforeAll(async () => {
			const config = loadConfig({ REDIS_URL: shared.url, PORT: '0', HOST: '127.0.0.1', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', RTMP_ENABLED: 'false', DATA_DIR: dataDir });
			third = await createServer(config, pino({ level: 'silent' }), (_req, res) => void res.status(404).end());
		});
		afterAll(async () => {
			await third?.close();
			rmSync(dataDir, { recursive: true, force: true });
		});

		it('closes every connection of a person, whichever session opened it (a password change, a deleted account)', async () => {
			const { gig, viewer } = await make.show();
			const second = `gs_session=${await make.accounts.createSession(viewer.user.id)}`;
			const bystander = await make.person();
			await make.ticket(gig, bystander);
			const theirs = [await onA(LIVE_NAMESPACE, viewer.cookie), await onB(MEDIA_NAMESPACE, second), await onB(LIVE_NAMESPACE, second)];
			const other = await onB(LIVE_NAMESPACE, bystander.cookie);
			const inRoom = async () => (await Promise.all([MEDIA_NAMESPACE, LIVE_NAMESPACE].map((ns) => third.io.of(ns).in(accountRoom(viewer.user.id)).fetchSockets()))).flat().length;
			await eventually('the person’s three connections are in their room, seen across nodes', inRoom, (n) => n === theirs.length);
			services().connections.closePerson(viewer.user.id);
			for (const [i, c] of theirs.entries()) await closed(c, `the person’s connection ${i} was closed`);
			expect(other.socket.connected, 'someone else stays connected').toBe(true);
		});
	});
});
