import pino from 'pino';

/** Silent by default; LOG_LEVEL=debug npm test shows the server's logs. */
export const testLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
