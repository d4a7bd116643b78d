import type { RequestHandler } from 'express';
import { loadConfig, ConfigError, devPaymentsEnabled, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { createServer } from './app.js';
import { SHUTDOWN_BOUND_MS } from './shutdown.js';

/** Starts Gigstage with the given web layer; shared by `npm start` and `npm run dev`. */
export async function start(loadWeb: (config: Config, log: Logger) => Promise<RequestHandler>): Promise<void> {
	let config: Config;
	try {
		config = loadConfig();
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		console.error(error.message);
		process.exit(2);
	}
	const log = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
	try {
		const server = await createServer(config, log, await loadWeb(config, log));
		const port = await server.listen();
		if (process.env.ADMIN_EMAILS) {
			log.warn('ADMIN_EMAILS is no longer read (a sign-up proves nothing about an email): grant admin with `npm run admin -- grant <email>` on this server');
		}
		if (devPaymentsEnabled(config)) {
			log.warn('DEV_PAYMENTS=true: the test checkout sells tickets to anyone with the public test card; never on a public server');
		}
		log.info({ url: `http://localhost:${port}`, rtc: server.mediaAddress.announcedAddress }, 'Gigstage is up');
		stopOnSignals(server.close, log);
	} catch (error) {
		log.fatal({ err: error }, error instanceof Error ? error.message : 'start-up failed');
		process.exit(1);
	}
}

/** The first SIGTERM or Ctrl-C closes everything within SHUTDOWN_BOUND_MS; a second one exits at once. */
function stopOnSignals(close: () => Promise<string[]>, log: Logger): void {
	let stopping = false;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => {
			if (stopping) process.exit(1);
			stopping = true;
			const started = Date.now();
			log.info({ signal, boundMs: SHUTDOWN_BOUND_MS }, 'shutting down');
			// closeInOrder keeps to the bound; this catches a close that never yields to it.
			setTimeout(() => {
				log.error({ boundMs: SHUTDOWN_BOUND_MS }, 'shutdown overran its bound; exiting now');
				process.exit(1);
			}, SHUTDOWN_BOUND_MS + 1000).unref();
			close().then(
				(unfinished) => {
					if (unfinished.length) log.warn({ unfinished, ms: Date.now() - started }, 'stopped; some parts could not be closed cleanly');
					else log.info({ ms: Date.now() - started }, 'stopped');
					process.exit(unfinished.length ? 1 : 0);
				},
				(error: unknown) => {
					log.error({ err: error }, 'shutdown failed');
					process.exit(1);
				}
			);
		});
	}
}
