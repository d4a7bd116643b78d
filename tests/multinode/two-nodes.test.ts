import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Redis } from 'ioredis';
import { launchChromium } from '../support/browser.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { startSharedRedis, type SharedRedis } from '../support/two-nodes.js';
import { startLoadBalancer, type LoadBalancer } from '../support/load-balancer.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from '../support/fixtures.js';
import { closePage, endShow, goLive, openPage } from '../support/pages.js';
import { liveStreams, receivedMedia } from '../support/frames.js';
import { waitFor } from '../support/media.js';
import { scrapeMetrics } from '../support/metrics.js';
import { publicName } from '../../src/lib/server/accounts/accounts.js';

/**
 * Two Gigstage nodes (separate processes, the production entry serving pages) on one Redis, each
 * behind a loopback load balancer that prefers it: a page opened through `lb[A]` lands on node A
 * and, when A dies, reconnects to B, as behind a real load balancer without sticky sessions.
 */
const TOKEN = 'metrics-token-for-the-two-node-test';
const LEASE_SECONDS = 3;
const A = 0;
const B = 1;
const HOST = 2;
let shared: SharedRedis;
let nodes: ServerProcess[] = [];
let lb: LoadBalancer[] = [];
let redis: Redis;
let make: ReturnType<typeof fixtures>;
let browser: Browser;

beforeAll(async () => {
	shared = await startSharedRedis();
	const env = { REDIS_URL: shared.url, SHOW_LEASE_SECONDS: String(LEASE_SECONDS), PRESENCE_TTL_SECONDS: '3', METRICS_TOKEN: TOKEN };
	nodes = await Promise.all([startServerProcess(env), startServerProcess(env)]);
	const ports = nodes.map((n) => Number(new URL(n.url).port));
	// The third is the host's own way in, so a test can keep the host away for a while.
	lb = await Promise.all([startLoadBalancer([ports[A]!, ports[B]!]), startLoadBalancer([ports[B]!, ports[A]!]), startLoadBalancer([ports[A]!, ports[B]!])]);
	redis = await connectRedis({ url: shared.url });
	make = fixtures(redis);
	browser = await launchChromium();
}, 60_000);

afterAll(async () => {
	await browser?.close();
	redis?.disconnect();
	await Promise.all(lb.map((l) => l.close()));
	await Promise.all(nodes.map((n) => n.stop()));
	await shared?.stop();
});

const metricsOf = (n: number) => scrapeMetrics(nodes[n]!.url, TOKEN);
const decodesBoth = (page: Page, what: string, ms = 20_000) => expect.poll(() => liveStreams(page), { timeout: ms, message: what }).toEqual({ video: 1, audio: 1 });

/** Resolves once the page decodes `more` new frames. */
async function decodesAgain(page: Page, what: string, more = 15, ms = 30_000): Promise<void> {
	const start = (await receivedMedia(page)).framesDecoded;
	await waitFor(what, async () => (await receivedMedia(page)).framesDecoded >= start + more, ms);
}

/** A live show whose studio came in through `studioWay` (node A), with a viewer decoding it on each node. */
async function showOnBothNodes(studioWay: LoadBalancer) {
	const { gig, creator, viewer } = await make.show();
	const audience = await make.person();
	await make.ticket(gig, audience);
	const studio = await openPage(browser, `${studioWay.url}/studio/${gig.id}`, { person: creator });
	await goLive(studio);
	const onB = await openPage(browser, `${lb[B]!.url}/gigs/${gig.id}/watch`, { person: viewer });
	const onA = await openPage(browser, `${lb[A]!.url}/gigs/${gig.id}/watch`, { person: audience });
	await decodesBoth(onB, 'the viewer on node B decodes the host’s picture and sound from node A');
	await decodesBoth(onA, 'the viewer on node A decodes them too');
	return { viewer, studio, onA, onB };
}

/** Mediasoup objects a node still holds, from its metrics. */
async function leftOn(n: number) {
	const m = await metricsOf(n);
	return {
		pipes: m.sum('gigstage_node_pipes') + m.sum('gigstage_router_pipes'),
		consumers: m.sum('gigstage_worker_consumers'),
		producers: m.sum('gigstage_worker_producers'),
		routers: m.sum('gigstage_worker_routers'),
		transports: m.sum('gigstage_worker_transports')
	};
}

describe('one gig over two nodes', () => {
	it('sends the host’s picture and sound from node A to viewers on node B, keeps chat, counts and stage working across them, and leaves nothing behind', async () => {
		const { viewer, studio, onA, onB } = await showOnBothNodes(lb[A]!);
		expect((await metricsOf(B)).value('gigstage_node_pipes', { direction: 'in' }), 'node B imported video and sound once').toBe(2);
		expect((await metricsOf(A)).value('gigstage_node_pipes', { direction: 'out' })).toBe(2);

		// Chat and counts span the nodes.
		await onB.getByTestId('chat-input').fill('hello from node B');
		await onB.getByTestId('chat-send').click();
		await expect.poll(() => studio.getByTestId('chat-messages').textContent(), { message: 'the host on node A sees the chat from node B' }).toContain('hello from node B');
		await expect.poll(() => studio.getByTestId('viewer-count').getAttribute('aria-label'), { message: 'the studio counts viewers on both nodes' }).toBe('2 people watching');

		// A guest on node B, seen by the viewer on node A.
		await onB.getByTestId('raise-hand').click();
		const queue = studio.getByTestId('stage-queue');
		await expect.poll(() => queue.textContent(), { message: 'the host on node A sees the hand raised on node B' }).toContain(publicName(viewer.user));
		await queue.getByTestId('invite').click();
		await onB.getByTestId('join-stage').click();
		await expect.poll(() => liveStreams(onA), { timeout: 30_000, message: 'the viewer on node A decodes host (node A) and guest (node B)' }).toEqual({ video: 2, audio: 2 });
		expect((await metricsOf(A)).value('gigstage_node_pipes', { direction: 'in' }), 'node A imported the guest’s tracks').toBe(2);

		await endShow(studio);
		for (const page of [onA, onB]) await expect.poll(() => page.getByTestId('show-state').textContent(), { timeout: 15_000 }).toMatch(/ended/i);
		for (const n of [A, B]) {
			await expect
				.poll(async () => (({ pipes, consumers, producers }) => ({ pipes, consumers, producers }))(await leftOn(n)), { timeout: 15_000, message: `node ${n ? 'B' : 'A'} has no pipe, consumer or producer left once the show ended` })
				.toEqual({ pipes: 0, consumers: 0, producers: 0 });
		}
		for (const page of [studio, onA, onB]) await closePage(page);
		for (const n of [A, B]) {
			await expect.poll(() => leftOn(n), { timeout: 15_000, message: `node ${n ? 'B' : 'A'} has no mediasoup object left once everyone left` }).toEqual({ pipes: 0, consumers: 0, producers: 0, routers: 0, transports: 0 });
		}
	}, 180_000);

	it('when node A is killed mid-show, viewers on B see it interrupted within the lease; the host reconnecting to B resumes it and viewers on both sides see frames again', async () => {
		const { studio, onA, onB } = await showOnBothNodes(lb[HOST]!);

		// The host's network is down too for now: otherwise the studio reconnects to B at once and the
		// show carries on before anyone notices (which is what happens when only the node dies).
		lb[HOST]!.refuse();
		await nodes[A]!.kill();
		const killedAt = Date.now();
		await expect.poll(() => onB.getByTestId('show-state').textContent(), { timeout: 15_000, message: 'the viewer on node B sees the show paused' }).toContain('Paused');
		const interruptedAfter = Date.now() - killedAt;
		// The lease, plus the sweep's second and the page's round trip.
		expect(interruptedAfter, 'interrupted within the lease').toBeLessThan(LEASE_SECONDS * 1000 + 3000);

		// The studio's connections fail over to node B by themselves; it takes the seat again and goes on.
		lb[HOST]!.accept();
		await expect.poll(() => studio.getByTestId('broadcast-status').textContent(), { timeout: 30_000, message: 'the studio is live again through node B' }).toContain('Live');
		for (const page of [onB, onA]) await expect.poll(() => page.getByTestId('show-state').textContent(), { timeout: 20_000 }).toContain('Live');
		await decodesAgain(onB, 'the viewer on node B decodes frames again');
		await decodesAgain(onA, 'the viewer who was on node A decodes frames again (through node B)');
		for (const page of [studio, onA, onB]) await closePage(page);
	}, 120_000);
});
