import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverForThisFile, startTestServer, type TestServer } from '../support/server.js';
import { vp8Parameters } from '../support/media.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
const site = serverForThisFile({ METRICS_TOKEN: TOKEN, METRICS_PORT: '0', MEDIASOUP_WORKERS: '2' });
let untokened: TestServer;

beforeAll(async () => {
	untokened = await startTestServer(undefined, {});
});
afterAll(() => untokened?.close());

const scrape = (url: string, token?: string) => fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** The value of one sample line (`name{labels} value`) in a scrape, or undefined. */
function sample(text: string, line: RegExp): number | undefined {
	const found = text.split('\n').find((l) => line.test(l));
	return found ? Number(found.split(' ').at(-1)) : undefined;
}

describe('GET /metrics', () => {
	it('answers only with the operator’s token on the public port', async () => {
		expect((await scrape(site.server.url)).status).toBe(401);
		expect((await scrape(site.server.url, 'not-the-token-at-all-xxxxxxxx')).status).toBe(401);
		const ok = await scrape(site.server.url, TOKEN);
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-type')).toContain('text/plain');
		const text = await ok.text();
		for (const name of ['gigstage_worker_cpu_ratio', 'gigstage_worker_routers', 'gigstage_worker_transports', 'gigstage_worker_producers', 'gigstage_worker_consumers', 'gigstage_node_pipes', 'gigstage_gig_viewers', 'gigstage_socketio_connections', 'gigstage_redis_roundtrip_seconds']) {
			expect(text, name).toContain(`# TYPE ${name} gauge`);
		}
		expect(sample(text, /^gigstage_worker_routers\{worker="1"\}/)).toBe(0);
		expect(sample(text, /^gigstage_redis_roundtrip_seconds /)).toBeGreaterThan(0);
	});

	it('does not exist on the public port without a token configured', async () => {
		expect((await scrape(untokened.url)).status).toBe(404);
		expect((await scrape(untokened.url, 'anything-anything-anything')).status).toBe(404);
	});

	it('is served without a token on a listener bound to loopback only', async () => {
		const listener = site.server.server.metricsListener!;
		expect(listener.host).toBe('127.0.0.1');
		const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('gigstage_worker_consumers');
		expect((await fetch(`http://127.0.0.1:${listener.port}/other`)).status).toBe(404);
	});

	it('counts viewers, consumers and connections of a live gig, and labels live gigs only', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const quiet = await site.make.show();
		const host = await site.media(creator.cookie);
		await host.request('join', { gigId: gig.id, role: 'host' });
		const send = (await host.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
		const produced = (await host.request('produce', { transportId: send.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() })) as { ok: { producerId: string } };
		expect(await host.request('show:start', {})).toHaveProperty('ok');
		const fan = await site.media(viewer.cookie);
		const joined = (await fan.request('join', { gigId: gig.id, role: 'viewer' })) as { ok: { rtpCapabilities: unknown } };
		const recv = (await fan.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		expect(await fan.request('consume', { transportId: recv.ok.id, producerId: produced.ok.producerId, rtpCapabilities: joined.ok.rtpCapabilities })).toHaveProperty('ok');
		const waiting = await site.media(quiet.viewer.cookie);
		await waiting.request('join', { gigId: quiet.gig.id, role: 'viewer' });

		const text = await (await scrape(site.server.url, TOKEN)).text();
		expect(sample(text, new RegExp(`^gigstage_gig_viewers\\{gig="${gig.id}"\\}`))).toBe(1);
		expect(text, 'a gig that is not live gets no label').not.toContain(quiet.gig.id);
		const consumers = text.split('\n').filter((l) => l.startsWith('gigstage_worker_consumers{')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
		expect(consumers).toBeGreaterThanOrEqual(1);
		expect(sample(text, /^gigstage_socketio_connections\{namespace="\/media"\}/)).toBe(3);
	});

	it('is served beside /healthz and /readyz, and readiness reports this node’s heartbeat and node channel', async () => {
		expect((await fetch(`${site.server.url}/healthz`)).status).toBe(200);
		const ready = await fetch(`${site.server.url}/readyz`);
		expect(ready.status).toBe(200);
		const body = (await ready.json()) as { degraded: string[]; checks: { node: { id: string; heartbeatAgeMs: number; heartbeatTtlMs: number }; redis: { connections: Record<string, string> } } };
		expect(body.checks.node.id).toMatch(/^node-/);
		expect(body.checks.node.heartbeatAgeMs).toBeLessThanOrEqual(body.checks.node.heartbeatTtlMs);
		expect(body.checks.redis.connections['node-channel-sub']).toBe('ready');
		expect(body.degraded).toEqual([]);
		expect((await scrape(site.server.url, TOKEN)).status).toBe(200);
	});
});
