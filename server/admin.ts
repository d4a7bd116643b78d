/**
 * The operator's command for admin rights, run on the server against the Redis Gigstage uses
 * (REDIS_URL, or the embedded one under DATA_DIR):
 *   npm run admin -- grant someone@example.org
 *   npm run admin -- revoke someone@example.org
 *   npm run admin -- list
 * No page or request can grant admin: whoever may run this on the server is trusted already.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, ConfigError } from './config.js';
import { connectRedis, type Redis } from '../src/lib/server/store.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded-redis.js';
import { Accounts } from '../src/lib/server/accounts/accounts.js';
import { DomainError } from '../src/lib/server/errors.js';

const USAGE = 'usage: npm run admin -- grant <email> | revoke <email> | list';

async function main(args: string[]): Promise<number> {
	const [command, email] = args;
	if (!(command === 'list' && !email) && !((command === 'grant' || command === 'revoke') && email)) {
		console.error(USAGE);
		return 2;
	}
	const config = loadConfig();
	const { redis, stop } = await openStore(config.REDIS_URL, config.DATA_DIR);
	try {
		const accounts = new Accounts(redis);
		if (command === 'list') {
			const admins = await accounts.admins();
			console.log(admins.length ? admins.map((a) => `${a.email}\t${a.id}`).join('\n') : 'no admins');
			return 0;
		}
		const user = await accounts.setAdmin(email!, command === 'grant');
		console.log(`${user.email} is ${command === 'grant' ? 'an admin now' : `no longer an admin (${user.role})`}`);
		return 0;
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		console.error(error.message);
		return 1;
	} finally {
		await stop();
	}
}

/** The server's Redis: its URL, the running server's embedded one, or (server stopped) the embedded one started for this command. */
async function openStore(url: string | undefined, dataDir: string): Promise<{ redis: Redis; stop(): Promise<void> }> {
	if (url) {
		const redis = await connectRedis({ url });
		return { redis, stop: async () => redis.disconnect() };
	}
	const socketPath = path.resolve(dataDir, 'redis', 'redis.sock');
	let embedded: EmbeddedRedis | null = null;
	if (!existsSync(socketPath)) embedded = await startEmbeddedRedis(dataDir, pino({ level: 'warn' }));
	const redis = await connectRedis({ socketPath: embedded?.socketPath ?? socketPath });
	return {
		redis,
		stop: async () => {
			redis.disconnect();
			await embedded?.stop();
		}
	};
}

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (error) {
	console.error(error instanceof ConfigError ? error.message : error instanceof Error ? `${error.message}` : error);
	process.exitCode = 1;
}
