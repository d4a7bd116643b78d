/**
 * Chat fan-out across two Gigstage nodes sharing one Redis: CLIENTS Socket.IO clients in one gig
 * (half on each node), SENDERS of them posting so that RATE messages a second go out in total.
 * Every received message is timed against the time its sender put in it (one machine, one clock).
 * Run: `npx tsx bench/chat.ts` (env BENCH_CLIENTS, BENCH_RATE, BENCH_SECONDS).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { io as connect, type Socket } from 'socket.io-client';
import { LIVE_NAMESPACE, CHAT_RATE, type ChatMessage } from '../src/lib/live/messages.js';
import { connectRedis } from '../src/lib/server/store.js';
import { fixtures, type Person } from '../tests/support/fixtures.js';
import { startNode, startSharedRedis, type GigstageNode, type SharedRedis } from '../tests/support/two-nodes.js';

const CLIENTS = envInt('BENCH_CLIENTS', 2000);
const RATE = envInt('BENCH_RATE', 20);
const SECONDS = envInt('BENCH_SECONDS', 20);
// A person may post CHAT_RATE.messages per CHAT_RATE.seconds: enough senders to stay under it.
const SENDERS = Math.ceil(RATE / (CHAT_RATE.messages / CHAT_RATE.seconds)) * 2;
// Receivers share a few accounts: the server counts people, but sockets are what costs.
const RECEIVER_ACCOUNTS = 10;
const CONNECT_BATCH = 100;
const RESULTS = new URL('./results/', import.meta.url);

function envInt(name: string, fallback: number): number {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
	return value;
}

async function join(url: string, person: Person): Promise<Socket> {
	const socket = connect(url + LIVE_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie: person.cookie } });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	const answer = await socket.timeout(30_000).emitWithAck('live:join', { gigId: currentGig });
	if (answer.error) throw new Error(`join refused: ${answer.error.code} ${answer.error.message}`);
	return socket;
}

let currentGig = '';

function percentile(sorted: number[], q: number): number {
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

async function main(): Promise<void> {
	let redis: SharedRedis | undefined;
	const nodes: GigstageNode[] = [];
	const sockets: Socket[] = [];
	try {
		redis = await startSharedRedis();
		nodes.push(await startNode('a', redis.url, { LOG_LEVEL: 'error' }), await startNode('b', redis.url, { LOG_LEVEL: 'error' }));
		const store = await connectRedis({ url: redis.url });
		const make = fixtures(store);
		const { gig } = await make.show({ title: 'Chat bench' });
		currentGig = gig.id;
		const receivers = await Promise.all(Array.from({ length: RECEIVER_ACCOUNTS }, () => make.person()));
		const senders = await Promise.all(Array.from({ length: SENDERS }, () => make.person()));
		for (const person of [...receivers, ...senders]) await make.ticket(gig, person);
		store.disconnect();

		console.log(`connecting ${CLIENTS} clients over 2 nodes…`);
		const latencies: number[] = [];
		let measuring = false;
		const onMessage = (message: ChatMessage) => {
			const sentAt = Number(message.text.split(' ')[1]);
			if (measuring && Number.isFinite(sentAt)) latencies.push(performance.timeOrigin + performance.now() - sentAt);
		};
		const senderSockets: Socket[] = [];
		for (let i = 0; i < CLIENTS; i += CONNECT_BATCH) {
			const batch = Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - i) }, (_, j) => {
				const n = i + j;
				const isSender = n < SENDERS;
				const person = isSender ? senders[n]! : receivers[n % RECEIVER_ACCOUNTS]!;
				return join(nodes[n % 2]!.url, person).then((socket) => {
					socket.on('chat:message', onMessage);
					if (isSender) senderSockets.push(socket);
					return socket;
				});
			});
			sockets.push(...(await Promise.all(batch)));
		}

		console.log(`sending ${RATE} messages/s from ${SENDERS} senders for ${SECONDS} s…`);
		measuring = true;
		const started = Date.now();
		let sent = 0;
		let refused = 0;
		const interval = 1000 / RATE;
		await new Promise<void>((resolve) => {
			const timer = setInterval(() => {
				if (Date.now() - started >= SECONDS * 1000) {
					clearInterval(timer);
					resolve();
					return;
				}
				const socket = senderSockets[sent % senderSockets.length]!;
				sent++;
				socket
					.timeout(10_000)
					.emitWithAck('chat:send', { text: `t ${Date.now()}` })
					.then((answer: { error?: unknown }) => answer.error && refused++, () => refused++);
			}, interval);
		});
		await new Promise((r) => setTimeout(r, 2000)); // let the last messages arrive
		measuring = false;
		const elapsed = (Date.now() - started) / 1000;

		const sorted = latencies.sort((a, b) => a - b);
		const expected = (sent - refused) * CLIENTS;
		const result = {
			clients: CLIENTS,
			nodes: 2,
			rate_per_s: RATE,
			seconds: SECONDS,
			sent,
			refused,
			delivered: sorted.length,
			delivered_share: Math.round((sorted.length / Math.max(1, expected)) * 1000) / 1000,
			delivered_per_s: Math.round(sorted.length / elapsed),
			p50_ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
			p95_ms: Math.round(percentile(sorted, 0.95) * 10) / 10,
			p99_ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
			max_ms: Math.round((sorted.at(-1) ?? NaN) * 10) / 10,
			date: new Date().toISOString(),
			machine: { cpus: os.cpus().length, node: process.version }
		};
		console.log(
			`delivered ${result.delivered}/${expected} (${result.delivered_per_s}/s)  p50 ${result.p50_ms} ms  p95 ${result.p95_ms} ms  p99 ${result.p99_ms} ms  max ${result.max_ms} ms  refused ${refused}`
		);
		await mkdir(RESULTS, { recursive: true });
		await writeFile(new URL('chat.json', RESULTS), JSON.stringify(result, null, '\t') + '\n');
		console.log(`wrote ${new URL('chat.json', RESULTS).pathname}`);
	} finally {
		for (const socket of sockets) socket.disconnect();
		for (const node of nodes) await node.stop();
		await redis?.stop();
	}
}

main().catch((error: unknown) => {
	console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
