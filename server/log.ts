import pino, { type Logger } from 'pino';
import { storeFailure } from '../src/lib/server/store-errors.js';

export type { Logger };

/** JSON logs for machines; pretty ones when a person watches a terminal. `destination`: elsewhere than stdout (tests). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
	const pretty = !destination && process.stdout.isTTY && !process.env.CI;
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
