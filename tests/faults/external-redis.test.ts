import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { startExternalRedis, type ExternalRedis } from '../support/redis-server.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures, type Person } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';
import { waitFor } from '../support/media.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { connectLive, type LiveClient } from '../live/clients.js';
import { Webhooks } from '../../src/lib/server/webhooks/webhooks.js';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { keepDoing, keepVisiting, logLines, timed, type Timed } from './outage.js';

// An operator's Redis at REDIS_URL goes away for ten seconds while people buy, chat and browse.
const OUTAGE_MS = 10_000;
const receiver = webhookReceiverForThisFile();
const STRIPE = { secretKey: 'sk_test_gigstage', webhookSecret: 'whsec_gigstage_test' };
let stripe: FakeStripe;
let external: ExternalRedis;
let server: ServerProcess;
let redis: Redis;
let make: ReturnType<typeof fixtures>;

beforeAll(async () => {
	external = await startExternalRedis();
	stripe = await startFakeStripe(STRIPE);
	server = await startServerProcess({
		REDIS_URL: external.url,
		WEBHOOKS_ALLOW_PRIVATE: 'true',
		RTMP_PORT: '0',
		STRIPE_SECRET_KEY: STRIPE.secretKey,
		STRIPE_WEBHOOK_SECRET: STRIPE.webhookSecret,
		STRIPE_API_BASE: stripe.apiBase
	});
	redis = await connectRedis({ url: external.url });
	make = fixtures(redis);
});
afterAll(async () => {
	redis?.disconnect();
	await server?.stop();
	await external?.close();
	await stripe?.close();
});

type ChatAck = { ok: boolean; code: string | null; ms: number; at: number; text: string };

/** Posts a chat message every `everyMs` until stopped; records each answer. */
function keepChatting(client: LiveClient, everyMs: number): { stop(): Promise<ChatAck[]> } {
	return keepDoing(async (n) => {
		const text = `message ${n}`;
		const at = Date.now();
		const answer = await client.request('chat:send', { text }).catch((e: Error) => ({ error: { code: `NO_ACK ${e.message}` } }));
		return { ok: 'ok' in answer, code: answer.error?.code ?? null, ms: Date.now() - at, at, text };
	}, everyMs);
}

/** Buyers try to buy a free ticket, two at a time, each trying again after a refusal until they have one. */
function keepBuying(gigId: string, buyers: Person[]): { done: Promise<void>; answers: (Timed & { userId: string })[] } {
	const answers: (Timed & { userId: string })[] = [];
	const queue = [...buyers];
	const done = Promise.all(
		Array.from({ length: 2 }, async () => {
			for (let buyer = queue.shift(); buyer; ) {
				const client = new HttpClient(server.url).useSession(buyer.token);
				const answer = await timed(() => client.post(`/gigs/${gigId}?/buy`, { method: 'free' }));
				answers.push({ ...answer, userId: buyer.user.id });
				if (answer.status === 200 || answer.status === 409) buyer = queue.shift();
				await new Promise((r) => setTimeout(r, 300));
			}
		})
	).then(() => undefined);
	return { done, answers };
}

describe('an external Redis (REDIS_URL) gone for ten seconds', () => {
	it('answers 503 within a second while it is gone, tells chat clients, and resumes purchases, chat and webhooks with nothing lost or doubled', async () => {
		const creator = await make.person('creator');
		await new Webhooks(redis, new Gigs(redis), { allowPrivate: true, log: pino({ level: 'silent' }) }).setUrl(creator.user, { url: receiver.url });
		const gig = await make.gig(creator, { price: '0' });
		const fan = await make.person();
		await make.ticket(gig, fan);
		const buyers = await Promise.all(Array.from({ length: 24 }, () => make.person()));
		const viewer = await connectLive(server.url, fan.cookie);
		const host = await connectLive(server.url, creator.cookie);
		for (const client of [viewer, host]) expect(await client.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		const linesBefore = server.logs.length;

		const visits = keepVisiting(new HttpClient(server.url), `/gigs/${gig.id}`, 100);
		const chat = keepChatting(viewer, 1100); // within the limit of 5 messages per 5 s
		const buying = keepBuying(gig.id, buyers);
		await new Promise((r) => setTimeout(r, 2000));
		await external.kill();
		const downAt = Date.now();
		await new Promise((r) => setTimeout(r, OUTAGE_MS));
		await external.start();
		const upAt = Date.now();
		await waitFor('Gigstage is ready again', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
		await buying.done;
		const acks = await chat.stop();
		const seen = await visits.stop();

		// Nothing hung: every page and purchase was answered with 200 or a 503 (409 for a retry that
		// had its ticket), and every refusal, and every answer while Redis was gone, within a second.
		// (Answers while Redis is up are only bound by the patience of `timed`: a busy machine is slow.)
		const http = [...seen, ...buying.answers];
		const told = (a: Timed) => `${a.status} after ${a.ms} ms, sent ${a.at - downAt} ms after Redis went`;
		expect(http.filter((a) => ![200, 409, 503].includes(a.status)).map(told)).toEqual([]);
		expect(http.filter((a) => (a.status === 503 || (a.at > downAt && a.at < upAt)) && a.ms >= 1000).map(told), 'slow refusals').toEqual([]);
		const whileDown = seen.filter((s) => s.at > downAt + 1000 && s.at + s.ms < upAt);
		expect(whileDown.length).toBeGreaterThan(30);
		expect(whileDown.every((s) => s.status === 503 && s.text.includes('temporarily unavailable')), 'pages while it was down').toBe(true);
		expect((await new HttpClient(server.url).get(`/gigs/${gig.id}`)).status, 'pages again once ready').toBe(200);

		// Chat: refused quickly while down, told of the outage and the return, and every acknowledged message kept.
		expect(acks.filter((a) => (!a.ok || (a.at > downAt && a.at < upAt)) && a.ms >= 1000).map((a) => `${a.code} after ${a.ms} ms`), 'slow chat refusals').toEqual([]);
		expect(new Set(acks.filter((a) => !a.ok).map((a) => a.code))).toEqual(new Set(['UNAVAILABLE']));
		expect(acks.filter((a) => a.at > upAt + 1000).every((a) => a.ok), 'chat works again').toBe(true);
		for (const client of [viewer, host]) {
			expect(client.received('store').map((s) => s.available)).toEqual([false, true]);
		}
		const history = (await viewer.request('live:join', { gigId: gig.id })).ok.history as { text: string }[];
		const kept = new Set(history.map((m) => m.text));
		expect(acks.filter((a) => a.ok && !kept.has(a.text)).map((a) => a.text), 'acknowledged messages missing from the history').toEqual([]);

		// Tickets: everyone who was told yes has exactly one; nobody has two.
		for (const buyer of buyers) expect(await make.tickets.forUser(buyer.user.id), `tickets of ${buyer.user.email}`).toHaveLength(1);
		expect(await make.tickets.sold(gig.id)).toBe(buyers.length + 1);
		expect(buying.answers.filter((a) => a.status === 503).length, 'purchases refused while it was down').toBeGreaterThan(5);

		// Webhooks: one ticket.issued per ticket, each announced by one delivery (a retried delivery keeps its id).
		const announced = await receiver.waitFor('a ticket.issued for every buyer', (r) => new Set(r.filter((w) => w.event?.type === 'ticket.issued').map((w) => w.event!.data.ticket.id)).size >= buyers.length, 40_000);
		const deliveriesPerTicket = new Map<string, Set<string>>();
		for (const w of announced.filter((w) => w.event?.type === 'ticket.issued')) {
			const ticketId = w.event!.data.ticket.id as string;
			deliveriesPerTicket.set(ticketId, (deliveriesPerTicket.get(ticketId) ?? new Set()).add(String(w.headers['gigstage-delivery'])));
		}
		expect([...deliveriesPerTicket.values()].filter((d) => d.size > 1), 'tickets announced twice').toEqual([]);

		// The log: one line when it went, one when it came back, and no stack traces.
		const lines = server.logs.slice(linesBefore);
		expect(logLines(lines, /Redis unreachable/)).toHaveLength(1);
		expect(logLines(lines, /Redis is back/)).toHaveLength(1);
		expect(logLines(lines, /Unhandled error event|"stack"|ECONNREFUSED.*at /), 'stack traces in the log').toEqual([]);
		viewer.close();
		host.close();
	}, 90_000);

	it('answers Stripe’s payment webhook with 503 while it is gone, so Stripe retries, and issues the ticket once when it is back', async () => {
		// The test's own connection reconnects by itself after the first test's outage.
		await waitFor('the test’s own connection is back', async () => (await redis.ping().catch(() => '')) === 'PONG', 5000);
		const gig = await make.gig(await make.person('creator'), { price: '15' });
		const fan = await make.person();
		const start = await new HttpClient(server.url).useSession(fan.token).post(`/gigs/${gig.id}?/buy`, { method: 'stripe' });
		expect(start.status).toBe(303);
		const session = [...stripe.sessions.values()].find((s) => start.location!.endsWith(s.id))!;
		const webhook = `${server.url}/api/stripe/webhook`;

		await external.kill();
		await waitFor('Gigstage noticed', async () => (await fetch(`${server.url}/readyz`)).status === 503, 5000);
		const refused = Date.now();
		expect(await stripe.completeSession(session.id, webhook), 'not 2xx: Stripe will retry').toBe(503);
		expect(Date.now() - refused).toBeLessThan(1000);

		await external.start();
		await waitFor('Gigstage is ready again', async () => (await fetch(`${server.url}/readyz`)).status === 200, 10_000);
		await waitFor('the test’s own connection is back', async () => (await redis.ping().catch(() => '')) === 'PONG', 5000);
		expect(await stripe.completeSession(session.id, webhook)).toBe(200);
		expect(await stripe.completeSession(session.id, webhook), 'a retry after success').toBe(200);
		expect(await make.tickets.forUser(fan.user.id)).toHaveLength(1);
	}, 30_000);
});
