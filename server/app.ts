import http from 'node:http';
import express, { type RequestHandler } from 'express';
import { Server as SocketServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { pipeSettings, type Config } from './config.js';
import type { Logger } from './log.js';
import { Sfu } from '../sfu/sfu.js';
import { Shows } from '../src/lib/server/shows.js';
import { Nodes, newNodeId } from '../src/lib/server/nodes.js';
import type { TrackDirectory } from '../sfu/gig-room.js';
import { RedisNodeChannel } from './cluster/redis-node-channel.js';
import { LeaseGrace } from './cluster/lease-grace.js';
import { createMetrics, metricsRoute, startMetricsListener } from './metrics.js';
import { provideServices } from '../src/lib/server/services.js';
import { mediaSignaling } from './signaling/media-namespace.js';
import { liveSignaling } from './signaling/live-namespace.js';
import { tellClientsAboutTheStore } from './signaling/store-notice.js';
import { MediaAccess } from './signaling/media-access.js';
import { watchConnections } from './signaling/connections.js';
import { siteOriginCheck } from './signaling/site-origin.js';
import { IceServers } from './signaling/ice-servers.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';
import { connectStore } from './redis/store-connections.js';
import { reportDurability } from './redis/durability.js';
import { DiskSpace } from './health/disk-space.js';
import { probeRoutes } from './health/probes.js';
import { closeInOrder, type ShutdownStep } from './shutdown.js';
import { announceMissedTickets } from './missed-announcements.js';
import { BackgroundQueues } from './background-queues.js';
import { createDomain } from './domain.js';
import { ingestSettings, startIngest, type Ingest } from './ingest/ingest.js';
import { IngestStatuses, provideIngestSite } from '../src/lib/server/ingest/ingest-status.js';
import type { Services } from '../src/lib/server/services.js';
import { oneClickUnsubscribe } from './one-click-unsubscribe.js';
import { securityHeaders, withSecurityHeaders } from './security-headers.js';
import { parseTrustProxy, stampClientAddress, type TrustedProxies } from '../src/lib/server/client-address.js';
import { logMediaAddress, resolveMediaAddress, type MediaAddress } from './media-address.js';

export type GigstageServer = {
	http: http.Server;
	io: SocketServer;
	sfu: Sfu;
	/** Where media listens and the address browsers are told to send it to. */
	mediaAddress: MediaAddress;
	/** OBS/RTMP ingest (its port is null when it is off). */
	ingest: Ingest;
	/** The loopback-only metrics listener (METRICS_PORT), if any: its address and port. */
	metricsListener: { host: string; port: number } | null;
	/** The domain modules this node runs (tests drive its timed work with their own clock). */
	domain: Services;
	/** Resolves with the bound port once listening. */
	listen(): Promise<number>;
	/** Closes everything within SHUTDOWN_BOUND_MS; resolves with what could not be closed cleanly. */
	close(): Promise<string[]>;
};

// Socket.IO drops a connection whose single message exceeds this; requests are far smaller
// (see MAX_MESSAGE_BYTES), so only a misbehaving client hits it.
const MAX_TRANSPORT_BYTES = 1_000_000;
const MB = 1024 * 1024;

/**
 * The composition root: one HTTP server carrying the web pages (`web`: SvelteKit's handler in
 * production, Vite's middlewares in development), Socket.IO signaling and the SFU.
 */
export async function createServer(config: Config, log: Logger, web: RequestHandler): Promise<GigstageServer> {
	// Before Redis: on a (nearly) full disk the embedded Redis starts refusing writes instead of dying on one.
	const disk = new DiskSpace(config.DATA_DIR, (config.DISK_RESERVE_MB ?? 100) * MB, log);
	await disk.start();
	// Redis first: without the store of record nothing else may start.
	const embedded: EmbeddedRedis | null = config.REDIS_URL ? null : await startEmbeddedRedis(config.DATA_DIR, log, { readOnly: () => disk.check() });
	const store = await connectStore(embedded ? { socketPath: embedded.socketPath } : { url: config.REDIS_URL! }, log).catch(async (error) => {
		await embedded?.stop();
		disk.stop();
		throw new Error(`cannot reach Redis: ${error instanceof Error ? error.message : error}`);
	});
	const { redis } = store;
	if (!embedded) void reportDurability(redis, log);
	else disk.onChange((low) => void refuseWrites(redis, low, log));
	const domain = createDomain(config, redis, log, { store: store.status, disk });
	// This process among the nodes sharing Redis: its host seats, its tracks and its pipes carry this id.
	const nodeId = newNodeId();
	const leaseMs = (config.SHOW_LEASE_SECONDS ?? 6) * 1000;
	const nodes = new Nodes(redis, leaseMs);
	const shows = new Shows(redis, nodeId, leaseMs);
	// After a Redis outage every lease has lapsed: nobody judges another node until each renewed.
	const grace = new LeaseGrace(store.status, leaseMs);
	grace.onRecovered(() => nodes.renewNow());

	let stopping = false;
	const queues = new BackgroundQueues({
		webhooks: domain.webhooks,
		mail: domain.mail,
		'password resets': domain.account.reset,
		'account erasures': domain.account.deletion,
		reminders: domain.notifications
	});
	const app = express();
	app.disable('x-powered-by');
	app.use(withSecurityHeaders(config.PUBLIC_URL));
	app.use(
		probeRoutes({
			stopping: () => stopping,
			store: () => store.status.report(),
			embeddedRedis: () => embedded?.report() ?? null,
			mediaWorkers: () => ({ alive: sfu.workers.filter((w) => !w.worker.died).length, configured: config.MEDIASOUP_WORKERS }),
			queues: () => queues.report(),
			disk: () => disk.report(),
			node: () => ({ id: nodeId, heartbeatAgeMs: nodes.heartbeatAgeMs(), heartbeatTtlMs: nodes.ttlMs })
		})
	);
	// Beside the probes; answers once the media plane it reports on is up.
	let serveMetrics: RequestHandler = (_req, res) => void res.status(503).end();
	app.get('/metrics', (req, res, next) => serveMetrics(req, res, next));
	app.use(oneClickUnsubscribe(domain.notifications, log));
	app.use(web);

	const server = http.createServer(app);
	// Only the site's own pages may open a connection carrying a visitor's cookies (see site-origin.ts).
	const io = new SocketServer(server, { maxHttpBufferSize: MAX_TRANSPORT_BYTES, serveClient: false, allowRequest: siteOriginCheck(config.PUBLIC_URL, log) });
	// After Socket.IO has wrapped the request listeners, so this runs before anything else reads a
	// request: pages, form actions and Socket.IO handshakes all see the one client address.
	const trust = parseTrustProxy(config.TRUST_PROXY) as TrustedProxies;
	server.prependListener('request', (req) => stampClientAddress(req, trust));
	server.prependListener('upgrade', (req) => stampClientAddress(req, trust));
	// Socket.IO's polling answers bypass express: they get the same headers.
	const socketHeaders = securityHeaders(config.PUBLIC_URL);
	io.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, socketHeaders));
	// Rooms span every node sharing this Redis: a broadcast to a gig reaches its clients everywhere.
	io.adapter(createAdapter(store.adapterPub, store.adapterSub));
	const services = { ...domain, connections: watchConnections(io, domain.accounts, log) };
	provideServices(services);
	const signaling = mediaSignaling(io, log);
	const live = liveSignaling(io, services, log);
	tellClientsAboutTheStore(io, store.status);
	const mediaAddress = resolveMediaAddress(config);
	logMediaAddress(mediaAddress, log);
	const pipe = pipeSettings(config, mediaAddress);
	// Media between nodes: requests over Redis pub/sub, on a subscriber connection of its own.
	const channel = await RedisNodeChannel.open(nodeId, redis, store.nodeChannelSub, nodes, log, grace);
	await nodes.join(nodeId, { pipeAddress: pipe.announcedAddress }, (err) => log.warn({ err }, 'could not renew this node’s heartbeat'));
	const sfu = await Sfu.start(
		{
			workers: config.MEDIASOUP_WORKERS,
			listenIp: mediaAddress.listenIp,
			announcedAddress: mediaAddress.announcedAddress,
			basePort: config.RTC_PORT,
			portRange: config.PIPE_PORTS,
			consumersPerWorker: config.CONSUMERS_PER_WORKER,
			channel,
			directory: trackDirectory(shows),
			pipe
		},
		signaling.listener,
		log
	).catch(async (error) => {
		await channel.close();
		await nodes.leave(nodeId).catch(() => {});
		store.close();
		await embedded?.stop();
		disk.stop();
		throw error;
	});
	// One host seat per gig, shared by the studio and OBS ingest: whoever holds it hosts.
	const media = signaling.attach(sfu, shows, domain, new MediaAccess(domain), IceServers.fromConfig(config), grace);
	const statuses = new IngestStatuses(redis);
	const ingest = await startIngest(config, { domain, statuses, sfu, shows, control: media.show, redis, log });
	const graceSeconds = ingestSettings(config).graceSeconds;
	provideIngestSite({
		port: ingest.port,
		disabledReason: ingest.disabledReason,
		statuses,
		grace: { droppedSeconds: graceSeconds.dropped, stoppedSeconds: graceSeconds.stopped }
	});
	// Ending a session (password reset, signing out elsewhere, deleting the account) closes its sockets on every node.
	domain.account.sockets.attach(services.connections);
	// Queue workers fail fast while Redis is away and pick up where they were when it is back.
	queues.start();
	const metrics = createMetrics({ sfu, io, redis, isLive: async (gigId) => (await shows.state(gigId)).state === 'live' });
	serveMetrics = metricsRoute(metrics, config.METRICS_TOKEN);
	const metricsListener = config.METRICS_PORT !== undefined ? await startMetricsListener(metrics, config.METRICS_PORT) : null;
	if (metricsListener) log.info({ metrics: `http://127.0.0.1:${metricsListener.port}/metrics` }, 'metrics served on loopback');
	const missedAnnouncements = announceMissedTickets(domain.purchases, store.status, log);

	// Each step within its limit, all within SHUTDOWN_BOUND_MS: a broken part is named and left behind.
	const shutdown: ShutdownStep[] = [
		{ name: 'OBS/RTMP ingest', limitMs: 2000, run: () => ingest.close() }, // first: its bridges need the SFU, and its statuses Redis
		{ name: 'chat and viewer counts', limitMs: 1500, run: () => live.close() },
		{ name: 'host seat leases', limitMs: 100, run: () => media.stop() }, // before Socket.IO: a host still connected here is interrupted by the lease
		{ name: 'metrics listener', limitMs: 500, run: () => metricsListener?.close() },
		{
			name: 'Socket.IO',
			limitMs: 2000,
			run: () =>
				new Promise<void>((resolve) => {
					io.close(() => resolve());
					server.closeIdleConnections();
				})
		},
		{ name: 'media connection clean-ups', limitMs: 1000, run: () => media.settled() }, // before mediasoup and Redis: the closed connections' clean-ups need both
		{ name: 'mediasoup', limitMs: 2000, run: () => sfu.close() },
		{ name: 'node channel', limitMs: 500, run: () => channel.close() }, // after mediasoup: closing pipes tells the other nodes over it
		// Other nodes stop piping to this one at once; without Redis its entry lapses by itself within the time-to-live.
		{ name: 'node heartbeat', limitMs: 500, run: () => nodes.leave(nodeId).catch(() => {}) },
		// The sweep first (it queues webhooks and mail); interrupted deliveries are recorded for a retry while Redis is still there.
		queues.stopStep('webhooks', 1500, () => missedAnnouncements.stop()),
		queues.stopStep('reminders', 1000), // before the mail worker: reminders and summaries queue mail
		queues.stopStep('password resets', 500), // before the mail worker: it queues the reset links
		queues.stopStep('account erasures', 500), // before Redis goes: an erasure cut short is claimed again after its lease
		queues.stopStep('mail', 1000), // last of the queues: what the others queued is sent now or waits in Redis for the next start
		{ name: 'Redis connections', limitMs: 500, run: () => store.close() },
		{ name: 'embedded redis-server', limitMs: 4000, run: () => embedded?.stop() }
	];

	return {
		http: server,
		io,
		sfu,
		mediaAddress,
		ingest,
		metricsListener: metricsListener && { host: metricsListener.host, port: metricsListener.port },
		domain: services,
		listen: () =>
			new Promise((resolve, reject) => {
				server.once('error', reject);
				server.listen(config.PORT, config.HOST, () => {
					const address = server.address();
					const port = typeof address === 'object' && address ? address.port : config.PORT;
					domain.mail.links.listeningOn(port);
					if (domain.mail.usesOutbox) log.info({ outbox: domain.mail.links.url('/admin/outbox') }, 'no SMTP_URL: mail is kept in the outbox, which admins read at this address');
					resolve(port);
				});
			}),
		async close() {
			stopping = true;
			const unfinished = await closeInOrder(shutdown, log);
			server.closeAllConnections();
			disk.stop();
			return unfinished;
		}
	};
}

/** Where the SFU finds tracks published on other nodes: the show's track list in Redis. */
function trackDirectory(shows: Shows): TrackDirectory {
	return {
		originOf: async (gigId, producerId) => (await shows.tracks(gigId)).find((t) => t.producerId === producerId)?.node ?? null,
		trackCount: async (gigId) => (await shows.tracks(gigId)).length
	};
}

/** Makes the embedded Redis refuse writes (NOREPLICAS) while the disk is full, and accept them again after. */
async function refuseWrites(redis: import('ioredis').Redis, refuse: boolean, log: Logger): Promise<void> {
	try {
		await redis.config('SET', 'min-replicas-to-write', refuse ? '1' : '0');
	} catch (error) {
		// Unreachable now: it restarts with the setting the disk calls for (startEmbeddedRedis's readOnly).
		log.debug({ err: error }, 'could not switch the embedded Redis between refusing and accepting writes');
	}
}
