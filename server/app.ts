import http from 'node:http';
import express, { type RequestHandler } from 'express';
import { Server as SocketServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { Sfu } from '../sfu/sfu.js';
import { Shows } from '../src/lib/server/shows.js';
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
import { createDomain } from './domain.js';
import { ingestSettings, startIngest, type Ingest } from './ingest/ingest.js';
import { IngestStatuses, provideIngestSite } from '../src/lib/server/ingest/ingest-status.js';
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

	let stopping = false;
	let queuesRunning = false;
	const app = express();
	app.disable('x-powered-by');
	app.use(withSecurityHeaders(config.PUBLIC_URL));
	app.use(
		probeRoutes({
			stopping: () => stopping,
			store: () => store.status.report(),
			embeddedRedis: () => embedded?.report() ?? null,
			mediaWorkers: () => ({ alive: sfu.workers.filter((w) => !w.worker.died).length, configured: config.MEDIASOUP_WORKERS }),
			queues: () => ({ webhooks: queuesRunning }),
			disk: () => disk.report()
		})
	);
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
	const sfu = await Sfu.start(
		{
			workers: config.MEDIASOUP_WORKERS,
			listenIp: mediaAddress.listenIp,
			announcedAddress: mediaAddress.announcedAddress,
			basePort: config.RTC_PORT
		},
		signaling.listener,
		log
	).catch(async (error) => {
		store.close();
		await embedded?.stop();
		disk.stop();
		throw error;
	});
	// One host seat per gig, shared by the studio and OBS ingest: whoever holds it hosts.
	const seats = new Shows();
	const shows = signaling.attach(sfu, seats, domain, new MediaAccess(domain), IceServers.fromConfig(config));
	const statuses = new IngestStatuses(redis);
	const ingest = await startIngest(config, { domain, statuses, sfu, shows: seats, control: shows, log });
	provideIngestSite({
		port: ingest.port,
		disabledReason: ingest.disabledReason,
		statuses,
		grace: { droppedSeconds: ingestSettings(config).graceSeconds.dropped, stoppedSeconds: ingestSettings(config).graceSeconds.stopped }
	});
	// Queue workers fail fast while Redis is away and pick up where they were when it is back.
	domain.webhooks.start();
	const missedAnnouncements = announceMissedTickets(domain.purchases, store.status, log);
	queuesRunning = true;

	// Each step within its limit, all within SHUTDOWN_BOUND_MS: a broken part is named and left behind.
	const shutdown: ShutdownStep[] = [
		{ name: 'OBS/RTMP ingest', limitMs: 2000, run: () => ingest.close() }, // first: its bridges need the SFU, and its statuses Redis
		{ name: 'chat and viewer counts', limitMs: 1500, run: () => live.close() },
		{
			name: 'Socket.IO',
			limitMs: 2000,
			run: () =>
				new Promise<void>((resolve) => {
					io.close(() => resolve());
					server.closeIdleConnections();
				})
		},
		{ name: 'mediasoup', limitMs: 2000, run: () => sfu.close() },
		{
			name: 'webhook deliveries',
			limitMs: 1500,
			run: async () => {
				queuesRunning = false;
				missedAnnouncements.stop();
				await domain.webhooks.stop(); // before Redis goes: interrupted attempts are recorded for a retry
			}
		},
		{ name: 'Redis connections', limitMs: 500, run: () => store.close() },
		{ name: 'embedded redis-server', limitMs: 4000, run: () => embedded?.stop() }
	];

	return {
		http: server,
		io,
		sfu,
		mediaAddress,
		ingest,
		listen: () =>
			new Promise((resolve, reject) => {
				server.once('error', reject);
				server.listen(config.PORT, config.HOST, () => {
					const address = server.address();
					resolve(typeof address === 'object' && address ? address.port : config.PORT);
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

/** Makes the embedded Redis refuse writes (NOREPLICAS) while the disk is full, and accept them again after. */
async function refuseWrites(redis: import('ioredis').Redis, refuse: boolean, log: Logger): Promise<void> {
	try {
		await redis.config('SET', 'min-replicas-to-write', refuse ? '1' : '0');
	} catch (error) {
		// Unreachable now: it restarts with the setting the disk calls for (startEmbeddedRedis's readOnly).
		log.debug({ err: error }, 'could not switch the embedded Redis between refusing and accepting writes');
	}
}
