import pino, { type Logger } from 'pino';

export type { Logger };
export type LogFormat = 'auto' | 'pretty' | 'json';

/**
 * JSON lines for machines (a pipe, a file, a log collector); readable lines when a person watches
 * a terminal. Only where stdout goes decides, unless LOG_FORMAT says otherwise: a CI variable set
 * in someone's shell must not turn a terminal back into JSON.
 */
export function createLogger(level: string, format: LogFormat = 'auto', stdout: { isTTY?: boolean } = process.stdout): Logger {
	const pretty = format === 'pretty' || (format === 'auto' && stdout.isTTY === true);
	return pino({
		level,
		base: { service: 'gigstage' },
		transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' } } : undefined
	});
}
