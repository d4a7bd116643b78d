import http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, and how it answered. */
export type ReceivedWebhook = {
	path: string;
	headers: http.IncomingHttpHeaders;
	body: string;
	/** When it arrived (ms). */
	at: number;
	answeredWith: number | 'hang';
	event: { id: string; type: string; createdAt: string; data: Record<string, any> } | null;
};

type Behaviour = { status: number } | { redirectTo: string } | { hang: true };

export type WebhookReceiver = {
	/** Where to point a creator's webhook: `http://127.0.0.1:<port>/hooks`. */
	url: string;
	received: ReceivedWebhook[];
	/** The next `count` requests are answered with `status` (default 500). */
	failNext(count: number, status?: number): void;
	/** The next `count` requests are redirected to `location`. */
	redirectNext(count: number, location: string): void;
	/** The next `count` requests are never answered. */
	hangNext(count: number): void;
	/** Resolves once `predicate` holds for what was received; the failure says what arrived instead. */
	waitFor(what: string, predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
	close(): Promise<void>;
};

/** A receiver for this test file: started before its tests, closed after them. */
export function webhookReceiverForThisFile(): WebhookReceiver {
	let current: WebhookReceiver | undefined;
	beforeAll(async () => {
		current = await startWebhookReceiver();
	});
	afterAll(() => current?.close());
	const started = (): WebhookReceiver => {
		if (!current) throw new Error('the webhook receiver starts in beforeAll: use it inside a test');
		return current;
	};
	return {
		get url() {
			return started().url;
		},
		get received() {
			return started().received;
		},
		failNext: (count, status) => started().failNext(count, status),
		redirectNext: (count, location) => started().redirectNext(count, location),
		hangNext: (count) => started().hangNext(count),
		waitFor: (what, predicate, timeoutMs) => started().waitFor(what, predicate, timeoutMs),
		close: () => started().close()
	};
}

/** A real HTTP endpoint on 127.0.0.1 that records every webhook and answers as told (2xx unless told otherwise). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
	const received: ReceivedWebhook[] = [];
	const planned: Behaviour[] = [];
	const hanging = new Set<http.ServerResponse>();

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString();
			const behaviour = planned.shift() ?? { status: 200 };
			received.push({
				path: req.url ?? '',
				headers: req.headers,
				body,
				at: Date.now(),
				answeredWith: 'hang' in behaviour ? 'hang' : 'redirectTo' in behaviour ? 302 : behaviour.status,
				event: parse(body)
			});
			if ('hang' in behaviour) {
				hanging.add(res);
				return;
			}
			if ('redirectTo' in behaviour) {
				res.writeHead(302, { location: behaviour.redirectTo }).end();
				return;
			}
			res.writeHead(behaviour.status, { 'content-type': 'text/plain' }).end(behaviour.status < 300 ? 'ok' : 'nope');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	const plan = (count: number, behaviour: Behaviour) => {
		for (let i = 0; i < count; i++) planned.push(behaviour);
	};

	return {
		url: `http://127.0.0.1:${port}/hooks`,
		received,
		failNext: (count, status = 500) => plan(count, { status }),
		redirectNext: (count, location) => plan(count, { redirectTo: location }),
		hangNext: (count) => plan(count, { hang: true }),
		async waitFor(what, predicate, timeoutMs = 10_000) {
			const deadline = Date.now() + timeoutMs;
			while (!predicate(received)) {
				if (Date.now() > deadline) {
					const got = received.map((r) => `${r.event?.type ?? '?'} (${r.headers['gigstage-delivery']}) → ${r.answeredWith}`);
					throw new Error(`the webhook receiver did not get ${what} within ${timeoutMs} ms; it got ${got.length ? got.join(', ') : 'nothing'}`);
				}
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			return received;
		},
		async close() {
			for (const res of hanging) res.destroy();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

function parse(body: string): ReceivedWebhook['event'] {
	try {
		return JSON.parse(body);
	} catch {
		return null;
	}
}
