import { Router } from 'express';
import type { StoreReport } from '../redis/store-status.js';
import type { EmbeddedRedisReport } from '../redis/embedded-redis.js';
import type { DiskReport } from './disk-space.js';

/** What the probes read; each a cheap, in-memory look (the watchers do the I/O on their own clock). */
export type ProbeSources = {
	/** SIGTERM received: stop sending traffic here. */
	stopping(): boolean;
	store(): StoreReport;
	/** The embedded redis-server, or null with REDIS_URL. */
	embeddedRedis(): EmbeddedRedisReport | null;
	/** mediasoup workers alive, of how many configured. */
	mediaWorkers(): { alive: number; configured: number };
	/** Background queues this node runs (webhook deliveries, mail, …: see background-queues.ts): running or not. */
	queues(): Record<string, boolean>;
	disk(): DiskReport;
	/** This node among those sharing Redis: when its heartbeat last reached Redis, and how long the others wait before counting it gone. */
	node(): NodeReport;
};

export type NodeReport = { id: string; heartbeatAgeMs: number | null; heartbeatTtlMs: number };

/**
 * Kubernetes-style probes, answered without touching Redis so they never hang:
 * - `/healthz` (liveness): this process can serve at all. It stays 200 while Redis is away
 *   (restarting Gigstage would not bring Redis back), and says 503 only once shutting down.
 * - `/readyz` (readiness): send traffic here? 200 when Redis answers, the embedded Redis runs,
 *   a mediasoup worker and the queues are up; 503 with the failing checks otherwise. A full
 *   disk keeps it 200 (shows and reads still work) but is listed under `degraded`, as is a node
 *   heartbeat that could not reach Redis for its time-to-live (other nodes then stop piping this
 *   node's media; its own viewers are served on).
 */
export function probeRoutes(sources: ProbeSources): Router {
	const router = Router();
	router.get('/healthz', (_req, res) => {
		const stopping = sources.stopping();
		res.status(stopping ? 503 : 200).set('cache-control', 'no-store').json({ ok: !stopping, ...(stopping ? { reason: 'shutting down' } : {}) });
	});
	router.get('/readyz', (_req, res) => {
		const store = sources.store();
		const embedded = sources.embeddedRedis();
		const workers = sources.mediaWorkers();
		const queues = sources.queues();
		const disk = sources.disk();
		const node = sources.node();
		const failing = [
			...(sources.stopping() ? ['shutting down'] : []),
			...(store.available ? [] : ['redis unreachable']),
			...(embedded && embedded.state !== 'running' ? [`embedded redis ${embedded.state}`] : []),
			...(workers.alive > 0 ? [] : ['no mediasoup worker']),
			...Object.entries(queues).flatMap(([name, running]) => (running ? [] : [`${name} queue stopped`]))
		];
		const degraded = [
			...(disk.low ? ['disk almost full'] : []),
			...(store.writesRefused ? [store.writesRefused] : []),
			...(workers.alive < workers.configured ? ['a mediasoup worker is restarting'] : []),
			...(node.heartbeatAgeMs === null || node.heartbeatAgeMs > node.heartbeatTtlMs ? ['node heartbeat lapsed: other nodes count this node gone'] : [])
		];
		res
			.status(failing.length ? 503 : 200)
			.set('cache-control', 'no-store')
			.json({
				ready: failing.length === 0,
				failing,
				degraded,
				checks: { redis: { ...store, embedded }, mediaWorkers: workers, queues, disk, node }
			});
	});
	return router;
}
