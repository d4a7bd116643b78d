import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import type { Server as SocketServer } from 'socket.io';
import type { Redis } from 'ioredis';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Sfu } from '../sfu/sfu.js';

export type MetricsSources = {
	sfu: Sfu;
	io: SocketServer;
	redis: Redis;
	/** Gigs on air now: the only gigs that get a label, so label sets stay bounded. */
	isLive(gigId: string): Promise<boolean>;
};

/**
 * What an operator scrapes, in Prometheus's text format: per worker CPU and mediasoup objects,
 * pipes in and out of this node, viewers per live gig, Socket.IO connections and Redis's
 * round trip, all read when scraped (nothing is kept between scrapes), plus Node's own.
 */
export function createMetrics({ sfu, io, redis, isLive }: MetricsSources): Registry {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry, prefix: 'gigstage_' });
	const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void | Promise<void>) =>
		new Gauge({
			name,
			help,
			labelNames,
			registers: [registry],
			async collect() {
				this.reset();
				await collect(this);
			}
		});

	const workerGauge = (name: string, help: string, read: (w: ReturnType<Sfu['counts']>['workers'][number]) => number) =>
		gauge(`gigstage_worker_${name}`, help, ['worker'], (g) => {
			for (const w of sfu.counts().workers) g.set({ worker: String(w.slot) }, read(w));
		});
	workerGauge('pid', 'Process id of each mediasoup worker (it changes when a dead worker is replaced).', (w) => w.pid);
	workerGauge('cpu_ratio', 'Share of one core each mediasoup worker used over the last 2 s.', (w) => w.cpu);
	workerGauge('routers', 'Routers on each mediasoup worker.', (w) => w.routers);
	workerGauge('transports', 'Transports (WebRTC, plain, pipe) on each mediasoup worker.', (w) => w.transports);
	workerGauge('producers', 'Producers (including piped ones) on each mediasoup worker.', (w) => w.producers);
	workerGauge('consumers', 'Consumers (including pipe consumers) on each mediasoup worker.', (w) => w.consumers);

	gauge('gigstage_node_pipes', 'Tracks piped between this node and others: in (imported) and out (exported).', ['direction'], (g) => {
		const { in: imported, out } = sfu.counts().nodePipes;
		g.set({ direction: 'in' }, imported);
		g.set({ direction: 'out' }, out);
	});
	gauge('gigstage_router_pipes', 'Tracks piped between this node’s own routers (to edge routers).', [], (g) => g.set(sfu.counts().routerPipes));
	gauge('gigstage_gig_viewers', 'Viewers with a media connection to this node, per live gig.', ['gig'], async (g) => {
		for (const [gigId, viewers] of sfu.counts().viewers) if (await isLive(gigId)) g.set({ gig: gigId }, viewers);
	});
	gauge('gigstage_socketio_connections', 'Open Socket.IO connections to this node, per namespace.', ['namespace'], (g) => {
		for (const [name, namespace] of io._nsps) g.set({ namespace: name }, namespace.sockets.size);
	});
	gauge('gigstage_redis_roundtrip_seconds', 'Time of one PING to Redis, measured at scrape (-1 when it fails).', [], async (g) => {
		const started = performance.now();
		try {
			await redis.ping();
			g.set((performance.now() - started) / 1000);
		} catch {
			g.set(-1);
		}
	});
	return registry;
}

/**
 * `GET /metrics` on the public port: only with `Authorization: Bearer <METRICS_TOKEN>`. Without
 * a token configured it does not exist there (use METRICS_PORT, a loopback-only listener).
 */
export function metricsRoute(registry: Registry, token: string | undefined): RequestHandler {
	const expected = token ? digest(token) : null;
	return async (req, res) => {
		if (!expected) return void res.status(404).json({ error: { code: 'NOT_FOUND', message: 'metrics are not served on this port' } });
		const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
		if (!given || !timingSafeEqual(digest(given), expected)) {
			res.set('WWW-Authenticate', 'Bearer realm="metrics"');
			return void res.status(401).json({ error: { code: 'METRICS_TOKEN_REQUIRED', message: 'send Authorization: Bearer <METRICS_TOKEN>' } });
		}
		await send(registry, res);
	};
}

/** A listener on 127.0.0.1 that serves only `GET /metrics`, without a token: reachable from this machine alone. */
export async function startMetricsListener(registry: Registry, port: number): Promise<{ host: string; port: number; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		if (req.method !== 'GET' || req.url !== '/metrics') {
			res.writeHead(404).end();
			return;
		}
		void send(registry, res);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const bound = server.address() as AddressInfo;
	return {
		host: bound.address,
		port: bound.port,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}

async function send(registry: Registry, res: http.ServerResponse): Promise<void> {
	try {
		const text = await registry.metrics();
		res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
	} catch {
		res.writeHead(500).end();
	}
}

// Equal-length digests, so comparing them takes the same time whatever was sent.
const digest = (value: string) => createHash('sha256').update(value).digest();
