import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type Durability = 'fsync-always' | 'fsync-everysec' | 'fsync-no' | 'no-append-only-file' | 'unknown';

/**
 * Reads how an external Redis (REDIS_URL) persists and says in the log when it does not keep the
 * promise the embedded one keeps: a ticket, payment or account change acknowledged is on disk
 * (`appendonly yes` + `appendfsync always`). Managed Redis services often disable CONFIG; then
 * the operator is told what to check.
 */
export async function reportDurability(redis: Redis, log: Logger): Promise<Durability> {
	let appendonly: string | undefined;
	let appendfsync: string | undefined;
	try {
		appendonly = ((await redis.config('GET', 'appendonly')) as string[])[1];
		appendfsync = ((await redis.config('GET', 'appendfsync')) as string[])[1];
	} catch {
		log.warn('cannot read the persistence settings of the Redis at REDIS_URL (CONFIG is disabled?): make sure it runs with appendonly yes and appendfsync always, or acknowledged tickets can be lost in a crash');
		return 'unknown';
	}
	if (appendonly !== 'yes') {
		log.warn({ appendonly }, 'the Redis at REDIS_URL keeps no append-only file: tickets and payments since its last snapshot are lost if it crashes; set appendonly yes and appendfsync always');
		return 'no-append-only-file';
	}
	if (appendfsync !== 'always') {
		log.warn({ appendfsync }, 'the Redis at REDIS_URL does not fsync before answering: a power loss can drop acknowledged tickets (up to a second with everysec); set appendfsync always');
		return appendfsync === 'everysec' ? 'fsync-everysec' : 'fsync-no';
	}
	return 'fsync-always';
}
