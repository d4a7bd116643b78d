import http from 'node:http';
import express, { type RequestHandler } from 'express';
import { Server as SocketServer } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { Sfu } from '../sfu/sfu.js';
import { Shows } from '../src/lib/server/shows.js';
import { connectRedis } from '../src/lib/server/store.js';
import { provideServices } from '../src/lib/server/services.js';
import { mediaSignaling } from './signaling/media-namespace.js';
import { liveSignaling } from './signaling/live-namespace.js';
import { MediaAccess } from './signaling/media-access.js';
import { watchConnections } from './signaling/connections.js';
import { siteOriginCheck } from './signaling/site-origin.js';
import { IceServers } from './signaling/ice-servers.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';
import { createDomain } from './domain.js';
import { startIngest, type Ingest } from './ingest/ingest.js';
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
	/** The domain modules this node runs (tests drive its timed work with their own clock). */
	domain: Services;
	/** Resolves with the bound port once listening. */
	listen(): Promise<number>;
	close(): Promise<void>;
};

// Socket.IO drops a connection whose single message exceeds this; requests are far smaller
// (see MAX_MESSAGE_BYTES), so only a misbehaving client hits it.
const MAX_TRANSPORT_BYTES = 1_000_000;

/**
 * The composition root: one HTTP server carrying the web pages (`web`: SvelteKit's handler in
 * production, Vite's middlewares in development), Socket.IO signaling and the SFU.
 */
export async function createServer(config: Config, log: Logger, web: RequestHandler): Promise<GigstageServer> {
	// Redis first: without the store of record nothing else may start.
	const embedded: EmbeddedRedis | null = config.REDIS_URL ? null : await startEmbeddedRedis(config.DATA_DIR, log);
	const redis = await connectRedis(embedded ? { socketPath: embedded.socketPath } : { url: config.REDIS_URL! }).catch(async (error) => {
		await embedded?.stop();
		throw new Error(`cannot reach Redis: ${error instanceof Error ? error.message : error}`);
	});
	const domain = createDomain(config, redis, log);

	const app = express();
	app.disable('x-powered-by');
	app.use(withSecurityHeaders(config.PUBLIC_URL));
	app.get('/healthz', (_req, res) => {
		res.json({ ok: true, workers: sfu.workers.filter((w) => !w.worker.died).length });
	});
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
	const pub = redis.duplicate();
	// No auto-pipelining for subscriptions: ioredis would defer PUNSUBSCRIBE behind UNSUBSCRIBE, lose
	// track of their replies, and fail them as unhandled rejections when the server closes.
	const sub = redis.duplicate({ enableAutoPipelining: false });
	io.adapter(createAdapter(pub, sub));
	const services = { ...domain, connections: watchConnections(io, domain.accounts, log) };
	provideServices(services);
	const signaling = mediaSignaling(io, log);
	const live = liveSignaling(io, services, log);
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
		for (const connection of [pub, sub, redis]) connection.disconnect();
		await embedded?.stop();
		throw error;
	});
	// One host seat per gig, shared by the studio and OBS ingest: whoever holds it hosts.
	const seats = new Shows();
	const shows = signaling.attach(sfu, seats, domain, new MediaAccess(domain), IceServers.fromConfig(config));
	const statuses = new IngestStatuses(redis);
	const ingest = await startIngest(config, { domain, statuses, sfu, shows: seats, control: shows, log });
	provideIngestSite({ port: ingest.port, disabledReason: ingest.disabledReason, statuses });
	// Ending a session (password reset, signing out elsewhere, deleting the account) closes its sockets on every node.
	domain.account.sockets.attach(async (sessionIds) => services.connections.closeSessions(sessionIds));
	domain.webhooks.start();
	domain.mail.start();
	domain.account.reset.start();
	domain.account.deletion.start();
	domain.notifications.start();

	return {
		http: server,
		io,
		sfu,
		mediaAddress,
		ingest,
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
			await ingest.close(); // first: its bridges need the SFU, and its statuses Redis
			await live.close();
			await new Promise<void>((resolve) => io.close(() => resolve()));
			await sfu.close();
			await domain.webhooks.stop(); // before Redis goes: interrupted attempts are recorded for a retry
			// Timed mail first (it queues mail), then the senders; unsent mail waits in Redis for the next start.
			await domain.notifications.stop();
			await domain.account.reset.stop();
			await domain.account.deletion.stop();
			await domain.mail.stop();
			server.closeAllConnections();
			for (const connection of [pub, sub, redis]) connection.disconnect();
			await embedded?.stop();
		}
	};
}
