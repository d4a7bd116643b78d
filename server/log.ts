import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs for machines; pretty ones when a person watches a terminal. */
export function createLogger(level: string): Logger {
	const pretty = process.stdout.isTTY && !process.env.CI;
	return pino({
		level,
		base: { service: 'gigstage' },
		transport: pretty ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service' } } : undefined
	});
}
