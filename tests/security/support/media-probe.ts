/**
 * Preloaded into a test server process (`node --import tsx --import <this file> …`), never part
 * of Gigstage: it follows every mediasoup object the process creates through mediasoup's own
 * observer and answers `GET /` on a loopback port with what is alive now, so an attack test can
 * see whether the attack left anything behind. The port is printed as `{"mediaProbe":<port>}`.
 *
 * Memory is the worker's resident set from /proc (VmRSS): `getResourceUsage().ru_maxrss` is a
 * high-water mark and never falls.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { Worker } from 'mediasoup/node/lib/Worker';
import type { Router } from 'mediasoup/node/lib/Router';
import { loadMediasoup } from '../../../sfu/mediasoup.js';

export type MediaCounts = {
	workers: { pid: number; rssKb: number }[];
	routers: number;
	transports: number;
	producers: number;
	consumers: number;
	/** The same objects as the workers themselves list them (router.dump()), not as Node believes. */
	dumped: { transports: number; producers: number; consumers: number };
	/** The server process's own resident set. */
	serverRssKb: number;
	/** The server's JavaScript heap in use, measured after a full garbage collection when node runs with --expose-gc. */
	heapUsedKb: number;
};

const workers = new Set<Worker>();
const routers = new Set<Router>();
const live = { transports: 0, producers: 0, consumers: 0 };

const mediasoup = await loadMediasoup();
mediasoup.observer.on('newworker', (worker) => {
	workers.add(worker);
	worker.observer.on('close', () => workers.delete(worker));
	worker.observer.on('newrouter', (router) => {
		routers.add(router);
		router.observer.on('close', () => routers.delete(router));
		router.observer.on('newtransport', (transport) => {
			live.transports++;
			transport.observer.on('close', () => live.transports--);
			transport.observer.on('newproducer', (producer) => {
				live.producers++;
				producer.observer.on('close', () => live.producers--);
			});
			transport.observer.on('newconsumer', (consumer) => {
				live.consumers++;
				consumer.observer.on('close', () => live.consumers--);
			});
		});
	});
});

function rssKb(pid: number | 'self'): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
}

function heapAfterGc(): number {
	(globalThis as { gc?: () => void }).gc?.();
	return Math.round(process.memoryUsage().heapUsed / 1024);
}

async function counts(): Promise<MediaCounts> {
	const dumped = { transports: 0, producers: 0, consumers: 0 };
	for (const router of routers) {
		const dump = await router.dump().catch(() => null);
		if (!dump) continue;
		dumped.transports += dump.transportIds.length;
		dumped.producers += Object.keys(dump.mapProducerIdConsumerIds).length;
		dumped.consumers += Object.keys(dump.mapConsumerIdProducerId).length;
	}
	return {
		workers: [...workers].filter((w) => !w.died && !w.closed).map((w) => ({ pid: w.pid, rssKb: rssKb(w.pid) })),
		routers: routers.size,
		...live,
		dumped,
		serverRssKb: rssKb('self'),
		heapUsedKb: heapAfterGc()
	};
}

const server = http.createServer((req, res) => {
	counts().then(
		(body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
		(error: unknown) => res.writeHead(500).end(String(error))
	);
});
server.listen(0, '127.0.0.1', () => {
	const { port } = server.address() as { port: number };
	process.stdout.write(`${JSON.stringify({ mediaProbe: port })}\n`);
});
// The server's own shutdown decides when the process ends.
server.unref();
