import { readdirSync, statSync, appendFileSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { receivedMedia } from '../support/frames.js';
import { waitFor } from '../support/media.js';
import { embeddedRedisPid, keepVisiting, logLines, timed } from './outage.js';

// The embedded redis-server is Gigstage's own child: these kill it the way a crash or the OOM
// killer would, and check that Gigstage brings it back from its append-only file by itself.
const site = siteForThisFile({ env: () => ({ RTMP_PORT: '0' }) });

/** Kills the embedded redis-server and waits until the server says it is back. */
async function killEmbeddedRedis(): Promise<{ pid: number; killedAt: number }> {
	const restartsBefore = logLines(site.server.logs, /embedded redis-server restarted/).length;
	const pid = embeddedRedisPid(site.server.dataDir);
	const killedAt = Date.now();
	process.kill(pid, 'SIGKILL');
	await waitFor('Gigstage restarted its redis-server', () => logLines(site.server.logs, /embedded redis-server restarted/).length > restartsBefore, 10_000);
	return { pid, killedAt };
}

describe('the embedded redis-server killed (SIGKILL)', () => {
	it('is restarted by itself: a live show keeps playing for its viewer and chat comes back', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const deaths = logLines(site.server.logs, /embedded redis-server died/).length;
		const outages = logLines(site.server.logs, /Redis unreachable/).length;
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 15_000);
		await viewer.getByTestId('chat-input').waitFor();

		// Sample the viewer's decoded frames through the outage: media never waits on Redis.
		const samples: { at: number; frames: number }[] = [];
		const sampling = (async () => {
			const until = Date.now() + 3000;
			while (Date.now() < until) {
				samples.push({ at: Date.now(), frames: (await receivedMedia(viewer)).framesDecoded });
				await viewer.waitForTimeout(100);
			}
		})();
		await viewer.waitForTimeout(300);
		const { pid } = await killEmbeddedRedis();
		await sampling;
		expect(embeddedRedisPid(site.server.dataDir), 'a new redis-server runs').not.toBe(pid);
		const decoded = samples.at(-1)!.frames - samples[0]!.frames;
		expect(decoded, 'the viewer kept decoding frames through the outage').toBeGreaterThan(30);
		let stall = 0;
		for (let i = 1, since = samples[0]!.at; i < samples.length; i++) {
			if (samples[i]!.frames > samples[i - 1]!.frames) since = samples[i]!.at;
			stall = Math.max(stall, samples[i]!.at - since);
		}
		expect(stall, 'longest time without a new frame (ms)').toBeLessThan(1000);

		// Chat: the pages were told, joined again, and messages flow both ways.
		await waitFor('the server is ready again', async () => (await fetch(`${site.url}/readyz`)).status === 200, 10_000);
		await viewer.getByTestId('chat-input').fill('still here after the database hiccup');
		await viewer.getByTestId('chat-input').press('Enter');
		await expect
			.poll(() => studio.getByTestId('chat-messages').textContent(), { timeout: 10_000, message: 'the creator sees the viewer’s message after the restart' })
			.toContain('still here after the database hiccup');
		expect(await viewer.getByTestId('chat').textContent()).not.toContain('Reconnecting');

		expect(logLines(site.server.logs, /embedded redis-server died/).length - deaths, 'one line for the death').toBe(1);
		expect(logLines(site.server.logs, /Redis unreachable/).length - outages, 'one line per outage').toBeLessThanOrEqual(1);
		expect(logLines(site.server.logs, /Unhandled error event|ECONNREFUSED|"level":50.*signaling request failed/), 'no error floods').toEqual([]);
		await closePage(studio);
		await closePage(viewer);
	}, 90_000);

	it('loses no acknowledged ticket, and answers the purchases it could not take with a quick 503', async () => {
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator, { price: '0' });
		const buyers = await Promise.all(Array.from({ length: 48 }, () => site.make.person()));
		const answers: { userId: string; status: number; ms: number; at: number }[] = [];
		// Six buyers at a time, one after another: purchases are in flight when Redis dies.
		const queue = [...buyers];
		const buying = Promise.all(
			Array.from({ length: 6 }, async () => {
				for (let buyer = queue.shift(); buyer; buyer = queue.shift()) {
					const client = new HttpClient(site.url).useSession(buyer.token);
					const answer = await timed(() => client.post(`/gigs/${gig.id}?/buy`, { method: 'free' }));
					answers.push({ userId: buyer.user.id, status: answer.status, ms: answer.ms, at: answer.at });
				}
			})
		);
		await waitFor('some tickets are sold', () => answers.filter((a) => a.status === 200).length >= 12, 20_000);
		const { killedAt } = await killEmbeddedRedis();
		await buying;

		expect(answers.some((a) => a.at <= killedAt && a.at + a.ms >= killedAt), 'a purchase was in flight when Redis died').toBe(true);
		expect(answers.filter((a) => a.status !== 200 && a.status !== 503), 'every purchase was bought or refused with 503').toEqual([]);
		expect(answers.filter((a) => a.status === 503 && a.ms >= 1000), 'refusals slower than a second').toEqual([]);
		await waitFor('the test’s own connection is back', async () => (await site.redis.ping().catch(() => '')) === 'PONG', 5000);
		for (const { userId } of answers.filter((a) => a.status === 200)) {
			expect(await site.make.tickets.hasTicket(gig.id, userId), `acknowledged ticket of ${userId}`).toBe(true);
		}
		// Those refused may try again: each ends up with exactly one ticket.
		for (const { userId } of answers.filter((a) => a.status === 503)) {
			const buyer = buyers.find((b) => b.user.id === userId)!;
			const again = await new HttpClient(site.url).useSession(buyer.token).post(`/gigs/${gig.id}?/buy`, { method: 'free' });
			expect([200, 409]).toContain(again.status);
			expect(await site.make.tickets.forUser(userId)).toHaveLength(1);
		}
		expect(await site.make.tickets.sold(gig.id)).toBe(buyers.length);
	}, 60_000);
});

describe('the embedded redis-server unable to start again', () => {
	it('says so in /readyz, answers pages with a 503 page within a second, and recovers by itself once it can start', async () => {
		const dir = path.join(site.server.dataDir, 'redis', 'appendonlydir');
		const incr = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.incr.aof'))!);
		const intact = statSync(incr).size;
		// A damaged append-only file: redis-server refuses to start on it ("Bad file format").
		appendFileSync(incr, 'this is not a redis command\r\n');
		const visitor = keepVisiting(new HttpClient(site.url), '/');
		const restarts = logLines(site.server.logs, /embedded redis-server restarted/).length;
		process.kill(embeddedRedisPid(site.server.dataDir), 'SIGKILL');

		await waitFor('the restart failed', () => logLines(site.server.logs, /embedded redis-server cannot start/).length > 0, 10_000);
		const ready = await fetch(`${site.url}/readyz`);
		const report = (await ready.json()) as { failing: string[]; checks: { redis: { embedded: { lastFailure: string } } } };
		expect(ready.status).toBe(503);
		expect(report.failing).toContain('embedded redis restarting');
		expect(report.checks.redis.embedded.lastFailure).toMatch(/append only file|AOF/i);
		expect((await fetch(`${site.url}/healthz`)).status, 'the process itself is alive').toBe(200);
		const page = await timed(() => new HttpClient(site.url).get('/'));
		expect(page.status).toBe(503);
		expect(page.text).toContain('temporarily unavailable');
		await new Promise((r) => setTimeout(r, 2500)); // several more attempts, still failing

		truncateSync(incr, intact); // the operator repairs the file
		await waitFor('Gigstage restarted its redis-server', () => logLines(site.server.logs, /embedded redis-server restarted/).length > restarts, 15_000);
		await waitFor('ready again', async () => (await fetch(`${site.url}/readyz`)).status === 200, 5000);
		const seen = await visitor.stop();
		expect(seen.filter((s) => s.status !== 200 && s.status !== 503), 'every visit answered 200 or 503').toEqual([]);
		expect(seen.filter((s) => s.status === 503 && s.ms >= 1000), 'refusals slower than a second').toEqual([]);
		expect((await new HttpClient(site.url).get('/')).status, 'pages again once ready').toBe(200);
		expect(logLines(site.server.logs, /embedded redis-server cannot start/), 'one line per reason, not per attempt').toHaveLength(1);
	}, 60_000);
});
