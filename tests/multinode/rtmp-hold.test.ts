import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { freePort, startSharedRedis, type SharedRedis } from '../support/two-nodes.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from '../support/fixtures.js';
import { ingestProbe, watchShows } from '../support/ingest.js';
import { connectClient, type TestClient } from '../support/server.js';

/**
 * An OBS encoder behind a load balancer: its connection drops on node A and comes back on node B.
 * The show's hold (the grace) is kept in Redis, so B resumes the show and A's grace running out
 * does not end it; while A holds the show, B refuses another key.
 */
const GRACE_S = 8;
const A = 0;
const B = 1;
let shared: SharedRedis;
let nodes: ServerProcess[] = [];
let rtmpPorts: number[] = [];
let redis: Redis;
let make: ReturnType<typeof fixtures>;
const clients: TestClient[] = [];

beforeAll(async () => {
	shared = await startSharedRedis();
	rtmpPorts = [await freePort(), await freePort()];
	const env = { REDIS_URL: shared.url, RTMP_RECONNECT_GRACE_SECONDS: String(GRACE_S), RTMP_HOST: '127.0.0.1' };
	nodes = await Promise.all(rtmpPorts.map((port) => startServerProcess({ ...env, RTMP_PORT: String(port) })));
	redis = await connectRedis({ url: shared.url });
	make = fixtures(redis);
}, 60_000);

const ingestOn = (n: number) => ingestProbe(() => redis, () => rtmpPorts[n]!);
const ingest = [ingestOn(A), ingestOn(B)];

afterEach(async () => {
	for (const c of clients.splice(0)) c.close();
	await Promise.all(ingest.map((i) => i.stopAll()));
});

afterAll(async () => {
	redis?.disconnect();
	await Promise.all(nodes.map((n) => n.stop()));
	await shared?.stop();
});

/** A show streamed into node A, watched by a viewer whose socket is on node B. */
async function liveOnA() {
	const { gig, viewer, creator } = await make.show();
	const client = await connectClient(nodes[B]!.url, viewer.cookie);
	clients.push(client);
	const watcher = await watchShows(client, gig);
	const publisher = await ingest[A]!.publish(gig);
	const live = await watcher.next('live', { tracks: 2, ms: 30_000 });
	return { gig, creator, watcher, publisher, live };
}

describe('an OBS encoder that comes back to another node', () => {
	it('resumes the show on node B within the grace, and node A’s grace running out does not end it', async () => {
		const { gig, watcher, publisher, live } = await liveOnA();
		await publisher.drop();
		await watcher.next('interrupted');

		await ingest[B]!.publish(gig);
		const resumed = await watcher.next('live', { tracks: 2, ms: 30_000 });
		expect(resumed.startedAt, 'the same show goes on').toBe(live.startedAt);
		// Past the grace node A started: its timer finds the hold taken up and leaves the show alone.
		await new Promise((resolve) => setTimeout(resolve, (GRACE_S + 2) * 1000));
		expect(watcher.since(), 'not interrupted or ended by node A').toEqual([]);
		expect(await ingest[B]!.gigStatus(gig)).toBe('live');
	}, 90_000);

	it('refuses another stream key on node B while node A holds the show for its encoder', async () => {
		const { gig, creator, watcher, publisher } = await liveOnA();
		await publisher.drop();
		await watcher.next('interrupted');
		await make.gigs.rotateStreamKey(gig.id, creator.user);
		const output = await ingest[B]!.refused(await ingest[B]!.publish(gig), 'SHOW_HELD');
		expect(output).toMatch(/show ends in \d+ s/);
		expect(watcher.since()).not.toContain('live');
		await watcher.next('ended', { ms: (GRACE_S + 10) * 1000 });
	}, 90_000);
});
