/**
 * The fuzz test of issue 9: at least 10,000 random and near-valid messages over `/media` and
 * `/live` from anonymous, viewer, guest and host connections, then malformed Engine.IO and
 * Socket.IO frames over raw WebSockets. The server must stay up, answer every request with `ok`
 * or a known code (never INTERNAL, never an error in its log) or drop the connection, and give
 * back its media objects and memory. FUZZ_SEED replays a run; FUZZ_MESSAGES sends more.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attackSiteForThisFile, connectRaw, eventually, objectCounts, type RawClient } from './support/attack-site.js';
import { KNOWN_CODES, LIVE_NAMES, MEDIA_NAMES, message, randomSource, rawFrame, type Known, type Random } from './support/fuzz-messages.js';
import { vp8Parameters, opusParameters } from '../support/media.js';
import type { Person } from '../support/fixtures.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';

const site = attackSiteForThisFile();
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 10_000);
const IN_FLIGHT_PER_CONNECTION = 8;
const RAW_CONNECTIONS = 150;

type Role = 'anonymous' | 'viewer' | 'guest' | 'host';
type Persona = { role: Role; person: Person | null; cookie?: string; media?: RawClient; live?: RawClient; reconnecting?: Promise<void> };
type Tally = { sent: number; answered: number; dropped: number; codes: Map<string, number>; bad: string[] };

const known: Known = { gigIds: [], transportIds: [], producerIds: [], consumerIds: [], messageIds: [], userIds: [], rtpCapabilities: {} };

/** Notes the ids an answer reveals, for later messages to misuse. */
function learn(answer: any): void {
	const ok = answer?.ok;
	if (!ok || typeof ok !== 'object') return;
	if (typeof ok.id === 'string' && ok.iceParameters) known.transportIds.push(ok.id);
	if (typeof ok.id === 'string' && ok.producerId) known.consumerIds.push(ok.id);
	if (typeof ok.producerId === 'string') known.producerIds.push(ok.producerId);
	if (ok.rtpCapabilities) known.rtpCapabilities = ok.rtpCapabilities;
	if (ok.message?.id) known.messageIds.push(ok.message.id);
	for (const list of [known.transportIds, known.consumerIds, known.producerIds, known.messageIds]) if (list.length > 200) list.splice(0, 100);
}

const request = async (c: RawClient, name: string, payload: unknown) => {
	const answer = await c.request(name, payload).catch(() => null);
	learn(answer);
	return answer;
};

/** Brings a persona's connections into its gig the way its page would (each step may be refused later on). */
async function setUp(p: Persona, gigId: string, host: Persona, cookieOf: (p: Persona) => string | undefined): Promise<void> {
	p.media?.close();
	p.live?.close();
	p.media = await connectRaw(site.url, MEDIA_NAMESPACE, { cookie: cookieOf(p) });
	p.live = await connectRaw(site.url, LIVE_NAMESPACE, { cookie: cookieOf(p) });
	await request(p.live, p.role === 'anonymous' ? 'live:follow' : 'live:join', { gigId });
	if (p.role === 'anonymous') return;
	if (p.role === 'guest' && host.live && p.person) {
		await request(p.live, 'stage:raise', {});
		await request(host.live, 'stage:invite', { userId: p.person.user.id });
		await request(p.live, 'stage:accept', {});
	}
	await request(p.media, 'join', { gigId, role: p.role });
	if (p.role === 'viewer') {
		const recv = await request(p.media, 'transport:create', { direction: 'recv' });
		for (const producerId of known.producerIds.slice(-4)) await request(p.media, 'consume', { transportId: recv?.ok?.id, producerId, rtpCapabilities: known.rtpCapabilities });
		return;
	}
	const send = await request(p.media, 'transport:create', { direction: 'send' });
	await request(p.media, 'produce', { transportId: send?.ok?.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters(100 + Math.floor(Math.random() * 1e6)) });
	await request(p.media, 'produce', { transportId: send?.ok?.id, kind: 'audio', source: 'microphone', rtpParameters: opusParameters(200 + Math.floor(Math.random() * 1e6)) });
	if (p.role === 'host') await request(p.media, 'show:start', {});
}

/** Checks one answer: `{ ok }`, or `{ error }` with a known code and a message. */
function judge(tally: Tally, name: unknown, payload: unknown, answer: any): void {
	tally.answered++;
	const code = answer && typeof answer === 'object' && 'ok' in answer ? 'ok' : answer?.error?.code;
	tally.codes.set(String(code), (tally.codes.get(String(code)) ?? 0) + 1);
	const wellFormed = code === 'ok' || (KNOWN_CODES.has(code) && code !== 'INTERNAL' && typeof answer.error.message === 'string');
	if (!wellFormed && tally.bad.length < 20) tally.bad.push(`${String(name)} ${JSON.stringify(payload)?.slice(0, 300)} -> ${JSON.stringify(answer)?.slice(0, 300)}`);
}

/** Sends messages on one connection until the run has sent `MESSAGES`, `IN_FLIGHT_PER_CONNECTION` at a time. */
async function hammer(client: () => RawClient | undefined, names: string[], r: Random, tally: Tally, reconnect: () => Promise<void>): Promise<void> {
	const lane = async () => {
		while (tally.sent < MESSAGES) {
			let c = client();
			if (!c?.socket.connected) {
				await reconnect().catch(() => undefined);
				c = client();
				if (!c?.socket.connected) continue;
			}
			tally.sent++;
			const { name, payload } = message(names, r, known);
			if (r.chance(0.02)) {
				(c.socket as any).emit(name, payload); // no ack: nothing to answer
				continue;
			}
			const args = r.chance(0.02) ? [Buffer.from([1, 2, 3])] : [payload];
			try {
				const answer = await new Promise((resolve, reject) => (c!.socket.timeout(15_000) as any).emit(name, ...args, (err: Error | null, a: unknown) => (err ? reject(err) : resolve(a))));
				learn(answer);
				judge(tally, name, payload, answer);
			} catch {
				if (c.socket.connected) judge(tally, name, payload, 'no answer within 15 s on a connected socket');
				else tally.dropped++;
			}
		}
	};
	await Promise.all(Array.from({ length: IN_FLIGHT_PER_CONNECTION }, lane));
}

/** A raw Engine.IO WebSocket sending junk frames after its handshake; resolves once it is closed. */
function rawSession(r: Random, cookie: string | undefined, frames: { sent: number }): Promise<void> {
	const url = site.url.replace('http', 'ws') + '/socket.io/?EIO=4&transport=websocket';
	return new Promise((resolve) => {
		const ws = new WebSocket(url, { headers: cookie ? { cookie } : {} });
		const done = () => resolve();
		ws.once('error', done);
		ws.once('close', done);
		ws.once('message', async (open) => {
			const sid = /"sid":"([^"]+)"/.exec(String(open))?.[1] ?? '';
			const count = 1 + r.int(40);
			for (let i = 0; i < count && ws.readyState === WebSocket.OPEN; i++) {
				ws.send(rawFrame(r, sid));
				frames.sent++;
				if (i % 8 === 7) await new Promise((s) => setTimeout(s, 5));
			}
			setTimeout(() => ws.terminate(), 50);
		});
	});
}

describe(`fuzzing both namespaces (FUZZ_SEED=${SEED})`, () => {
	it(`answers ${MESSAGES} random and near-valid messages from every kind of connection with ok or a known code, survives malformed frames, and gives its objects and memory back`, { timeout: 180_000 }, async () => {
		const r = randomSource(SEED);
		const { gig, creator, viewer } = await site.make.show();
		const guestPerson = await site.make.person();
		await site.make.ticket(gig, guestPerson);
		const other = await site.make.show(); // a gig none of them may touch
		known.gigIds.push(gig.id, other.gig.id);
		known.userIds.push(viewer.user.id, guestPerson.user.id, other.viewer.user.id);
		const baseline = await site.counts();
		const errorsBefore = site.server.logs.filter((l) => /"level":(50|60)/.test(l)).length;

		const host: Persona = { role: 'host', person: creator };
		const personas: Persona[] = [
			host,
			{ role: 'viewer', person: viewer },
			{ role: 'guest', person: guestPerson },
			{ role: 'anonymous', person: null },
			{ role: 'anonymous', person: null, cookie: 'gs_session=%E0%A4%A' } // not even valid percent-encoding
		];
		const cookieOf = (p: Persona) => p.cookie ?? p.person?.cookie;
		for (const p of personas) await setUp(p, gig.id, host, cookieOf);

		const tally: Tally = { sent: 0, answered: 0, dropped: 0, codes: new Map(), bad: [] };
		const started = Date.now();
		await Promise.all(
			personas.flatMap((p) => {
				// One reconnection at a time per persona, whichever lane noticed the drop.
				const reconnect = () => (p.reconnecting ??= setUp(p, gig.id, host, cookieOf).finally(() => (p.reconnecting = undefined)));
				return [hammer(() => p.media, MEDIA_NAMES, r, tally, reconnect), hammer(() => p.live, LIVE_NAMES, r, tally, reconnect)];
			})
		);
		const frames = { sent: 0 };
		for (let i = 0; i < RAW_CONNECTIONS; i += 6) {
			await Promise.all(Array.from({ length: 6 }, () => rawSession(r, r.chance(0.5) ? viewer.cookie : undefined, frames)));
		}
		console.info(`fuzz seed ${SEED}: ${tally.sent} messages in ${Date.now() - started} ms, ${tally.answered} answered, ${tally.dropped} dropped with their connection; ${frames.sent} raw frames; answers ${JSON.stringify(Object.fromEntries(tally.codes))}`);

		expect(tally.sent).toBeGreaterThanOrEqual(MESSAGES);
		expect(tally.bad, 'answers that were not ok or a known code').toEqual([]);
		const errors = site.server.logs.filter((l) => /"level":(50|60)/.test(l)).slice(errorsBefore);
		expect(errors, 'error lines in the server log').toEqual([]);

		// Still serving: a newcomer watches a gig of their own.
		const fresh = await site.make.show();
		const newcomer = await site.media({ cookie: fresh.viewer.cookie });
		expect(await newcomer.request('join', { gigId: fresh.gig.id, role: 'viewer' })).toHaveProperty('ok');
		newcomer.close();

		for (const p of personas) (p.media?.close(), p.live?.close());
		const after = await eventually('every media object of the fuzz is closed', site.counts, (now) => JSON.stringify(objectCounts(now)) === JSON.stringify(objectCounts(baseline)), 20_000);
		expect(after.workers[0]!.rssKb - baseline.workers[0]!.rssKb, 'worker memory growth (kB)').toBeLessThan(20_000);
		const heap = await eventually('the server’s heap is back near its baseline', site.counts, (now) => now.heapUsedKb - baseline.heapUsedKb < 30_000, 20_000);
		expect(heap.heapUsedKb - baseline.heapUsedKb, 'server heap growth after a full GC (kB)').toBeLessThan(30_000);
	});
});
