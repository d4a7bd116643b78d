import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { siteForThisFile } from '../support/site.js';
import { closePage, endShow, goLive, openPage } from '../support/pages.js';
import { liveStreams, receivedMedia } from '../support/frames.js';
import { waitFor } from '../support/media.js';
import { scrapeMetrics } from '../support/metrics.js';

const TOKEN = 'metrics-token-for-the-workers-test';
// Two workers, each taking two consumers of a gig (one viewer: video and sound) before spilling.
const site = siteForThisFile({ env: () => ({ MEDIASOUP_WORKERS: '2', CONSUMERS_PER_WORKER: '2', METRICS_TOKEN: TOKEN }) });

/** Resolves once the page decodes frames again: `more` frames within `ms`. */
async function decodes(page: Page, what: string, more = 10, ms = 20_000): Promise<void> {
	const start = (await receivedMedia(page)).framesDecoded;
	await waitFor(what, async () => (await receivedMedia(page)).framesDecoded >= start + more, ms);
}

/** How many RTCPeerConnections the page has made: a rejoin makes a new one. */
const peerConnections = (page: Page) => page.evaluate(() => (window as unknown as { __gigstagePeerConnections: unknown[] }).__gigstagePeerConnections.length);

/** Samples the page's decoded frames every 250 ms while `during` runs; resolves with the longest time without a new frame. */
async function longestStall(page: Page, during: Promise<unknown>): Promise<number> {
	let done = false;
	void during.finally(() => (done = true));
	let last = (await receivedMedia(page)).framesDecoded;
	let lastAt = Date.now();
	let longest = 0;
	while (!done) {
		await page.waitForTimeout(250);
		const frames = (await receivedMedia(page)).framesDecoded;
		if (frames > last) {
			longest = Math.max(longest, Date.now() - lastAt);
			last = frames;
			lastAt = Date.now();
		}
	}
	return Math.max(longest, Date.now() - lastAt);
}

describe('one gig over every worker of a node', () => {
	it('spills viewers onto the second worker and all decode; killing the worker holding only an edge router brings its viewers back while the others never stop; nothing is left after the show', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const others = [await site.make.person(), await site.make.person()];
		for (const person of others) await site.make.ticket(gig, person);
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewers: Page[] = [];
		for (const person of [viewer, ...others]) {
			const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person });
			await expect.poll(() => liveStreams(page), { timeout: 20_000, message: 'a viewer decodes the host’s picture and sound' }).toEqual({ video: 1, audio: 1 });
			viewers.push(page);
		}
		const metrics = await scrapeMetrics(site.url, TOKEN);
		const consumers = metrics.series('gigstage_worker_consumers');
		expect(consumers.filter((s) => s.value > 0), 'both workers carry consumers').toHaveLength(2);
		// Three viewers, and the studio's own player (it watches for guests on stage).
		expect(metrics.value('gigstage_gig_viewers', { gig: gig.id })).toBe(4);

		// The host's tracks live on the worker the server logged them on; the other holds only an edge router.
		const origin = site.server.logs.map((l) => /"slot":(\d+).*"msg":"producer created"/.exec(l)).find((m) => m)![1]!;
		const edge = metrics.series('gigstage_worker_pid').find((s) => s.labels.worker !== origin)!;
		const [first, second] = viewers as [Page, Page, Page];
		const killed = (async () => {
			process.kill(edge.value, 'SIGKILL');
			await waitFor('the server replaced the worker', () => site.server.logs.some((l) => l.includes('mediasoup worker died')), 10_000);
			// The viewer placed on the dead worker rejoined by itself and decodes again.
			await decodes(second, 'the viewer whose worker died decodes again');
			for (const page of viewers) await decodes(page, 'every viewer decodes after the worker death');
		})();
		const connectionsBefore = await Promise.all(viewers.map(peerConnections));
		const stall = await longestStall(first, killed);
		const connectionsAfter = await Promise.all(viewers.map(peerConnections));
		// The first viewer sat on the host's worker: it kept its connection and its picture (no rejoin,
		// which takes seconds); the second, on the dead worker, made a new one.
		expect(connectionsAfter[0], 'the first viewer kept its media connection').toBe(connectionsBefore[0]);
		expect(connectionsAfter[1], 'the second viewer rejoined with a new media connection').toBeGreaterThan(connectionsBefore[1]!);
		// It kept decoding through the death (a busy machine may pause a decoder; a rejoin would show above).
		expect(stall, 'the first viewer’s longest gap between decoded frames').toBeLessThan(10_000);

		await endShow(studio);
		for (const page of viewers) await expect.poll(() => page.getByTestId('show-state').textContent(), { timeout: 15_000 }).toMatch(/ended/i);
		const left = async (...names: string[]) => {
			const after = await scrapeMetrics(site.url, TOKEN);
			return Object.fromEntries(names.map((name) => [name, after.sum(name)]));
		};
		await expect
			.poll(() => left('gigstage_worker_consumers', 'gigstage_router_pipes'), { timeout: 10_000, message: 'no consumer and no pipe is left once the show ended' })
			.toEqual({ gigstage_worker_consumers: 0, gigstage_router_pipes: 0 });
		for (const page of [studio, ...viewers]) await closePage(page);
		await expect
			.poll(() => left('gigstage_worker_routers', 'gigstage_worker_transports'), { timeout: 10_000, message: 'no router and no transport is left once everyone left' })
			.toEqual({ gigstage_worker_routers: 0, gigstage_worker_transports: 0 });
	}, 150_000);
});
