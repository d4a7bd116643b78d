import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { createServer, type GigstageServer } from '../../server/app.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { startSharedRedis, type SharedRedis } from '../support/two-nodes.js';
import { fixtures } from '../support/fixtures.js';
import { testLog } from '../support/log.js';
import type { SmtpInbox } from '../support/smtp-inbox.js';

export type MailNodes = { nodes: GigstageServer[]; redis: Redis; make: ReturnType<typeof fixtures>; base: string };

const notFound: RequestHandler = (_req, res) => void res.status(404).end();
/** Links in mail point here (PUBLIC_URL), whichever node sent them. */
export const PUBLIC_URL = 'https://gigs.example.org';

/**
 * Two whole Gigstage nodes (createServer, in this process) sharing one Redis and sending to the
 * test's SMTP server, for the test file. Their timers run on the real clock; tests drive the timed
 * mail themselves with `node.domain.notifications.runOnce(fakeNow)` on both at once.
 */
export function mailNodesForThisFile(inbox: SmtpInbox): MailNodes {
	const cluster = { nodes: [] as GigstageServer[], base: PUBLIC_URL } as MailNodes;
	let shared: SharedRedis;
	const dirs: string[] = [];
	beforeAll(async () => {
		shared = await startSharedRedis();
		for (let i = 0; i < 2; i++) {
			const dataDir = await mkdtemp(path.join(os.tmpdir(), `gigstage-mail-${i}-`));
			dirs.push(dataDir);
			const config = loadConfig({
				PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', RTMP_PORT: '0', MEDIASOUP_WORKERS: '1',
				DATA_DIR: dataDir, REDIS_URL: shared.url, SMTP_URL: inbox.url, PUBLIC_URL, MAIL_RETRY_SECONDS: '1', DEV_PAYMENTS: 'true'
			});
			const node = await createServer(config, testLog, notFound);
			await node.listen();
			cluster.nodes.push(node);
		}
		cluster.redis = await connectRedis({ url: shared.url });
		cluster.make = fixtures(cluster.redis);
	});
	afterAll(async () => {
		cluster.redis?.disconnect();
		for (const node of cluster.nodes) await node.close();
		await shared?.stop();
		for (const dir of dirs) await rm(dir, { recursive: true, force: true });
	});
	return cluster;
}
