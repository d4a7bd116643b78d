import pino, { type Logger } from 'pino';
import { storeFailure } from '../src/lib/server/store-errors.js';

export type { Logger };
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * JSON lines for machines (a pipe, a file, a log collector); readable lines when a person watches
 * a terminal. Only where stdout goes decides, unless LOG_FORMAT says otherwise: a CI variable set
 * in someone's shell must not turn a terminal back into JSON. `destination`: elsewhere than stdout
 * (tests that read the lines), always JSON.
 */
export function createLogger(
	level: string,
	format: LogFormat = 'auto',
	stdout: { isTTY?: boolean } = process.stdout,
	destination?: pino.DestinationStream
): Logger {
	const pretty = !destination && (format === 'pretty' || (format === 'auto' && stdout.isTTY === true));
	const options: pino.LoggerOptions = {
		level,
		base: { service: 'gigstage' },
		hooks: {
			// While Redis is away every request and timer meets it; StoreStatus says so once, so the
			// warnings and errors it causes elsewhere go to debug instead of flooding the log.
			logMethod(args, method, level) {
				const fields = args[0] as { err?: unknown } | undefined;
				if (level >= 40 && level < 60 && typeof fields === 'object' && fields !== null && storeFailure(fields.err)) return this.debug(...(args as [object, string]));
				return method.apply(this, args);
			}
		},
		transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' } } : undefined
	};
	return destination ? pino(options, destination) : pino(options);
}
