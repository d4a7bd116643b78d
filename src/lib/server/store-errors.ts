/**
 * What a failed Redis command says about the store, so every layer answers an outage the same
 * way: `unavailable` (Redis is gone, frozen or restarting: 503, try again shortly) or `full`
 * (Redis answers but refuses writes: its disk is full or it is out of memory: 507). Anything else
 * is a bug or a refusal of its own and is not the store's fault.
 *
 * Errors are recognised by name, code and message rather than by class: the SvelteKit bundle and
 * the server each load their own copy of ioredis-facing modules.
 */
import { DomainError } from './errors.js';

export type StoreFailure = 'unavailable' | 'full';

// ioredis's own words for "no connection" (see ioredis/built/Redis.js and utils).
const UNAVAILABLE_MESSAGES = [/^Connection is closed\.?$/, /enableOfflineQueue options is false/, /^Command timed out$/, /^Reached the max retries per request limit/, /^LOADING\b/];
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTCONN']);
// MISCONF: an external Redis whose append-only file or snapshot cannot be written. NOREPLICAS:
// the embedded one, which Gigstage makes refuse writes while the disk is (almost) full (see
// DiskGuard). OOM: maxmemory reached without an eviction policy.
const FULL_REPLIES = /^(MISCONF|NOREPLICAS|OOM)\b/;

export function storeFailure(error: unknown, depth = 0): StoreFailure | null {
	if (typeof error !== 'object' || error === null || depth > 4) return null;
	const { name, message, code, cause, previousErrors } = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; previousErrors?: unknown };
	const text = typeof message === 'string' ? message : '';
	// A MULTI refused as a whole (EXECABORT) says why in the errors of the commands it queued.
	if (Array.isArray(previousErrors)) for (const queued of previousErrors) if (storeFailure(queued, depth + 1)) return storeFailure(queued, depth + 1);
	if (name === 'ReplyError' && FULL_REPLIES.test(text)) return 'full';
	if (name === 'ReplyError' && /^LOADING\b/.test(text)) return 'unavailable';
	if (name === 'MaxRetriesPerRequestError') return 'unavailable';
	if (name !== 'ReplyError' && UNAVAILABLE_MESSAGES.some((m) => m.test(text))) return 'unavailable';
	if (typeof code === 'string' && NETWORK_CODES.has(code) && 'syscall' in error) return 'unavailable';
	return storeFailure(cause, depth + 1);
}

/** What people are told; one sentence each, the same on pages, forms, APIs and sockets. */
export const STORE_FAILURE_MESSAGES: Record<StoreFailure, string> = {
	unavailable: 'Gigstage is temporarily unavailable: it cannot reach its database. Shows that are playing keep playing; please try again in a moment.',
	full: 'Gigstage cannot save anything new right now because its storage is full. Everything already saved is safe; please try again later.'
};

export const STORE_FAILURE_STATUS: Record<StoreFailure, number> = { unavailable: 503, full: 507 };
export const STORE_FAILURE_CODES = { unavailable: 'UNAVAILABLE', full: 'STORAGE_FULL' } as const;

/** The refusal to show a person whose request failed because of the store, or null if it was not the store. */
export function storeRefusal(error: unknown): DomainError | null {
	const failure = storeFailure(error);
	return failure && new DomainError(STORE_FAILURE_CODES[failure], STORE_FAILURE_MESSAGES[failure]);
}

/**
 * For a write a reader can do without (a viewer count while joining a chat): a full store is
 * shrugged off so reading goes on; any other error is thrown on. Use as `.catch(ignoreFullStore)`.
 */
export function ignoreFullStore(error: unknown): void {
	if (storeFailure(error) !== 'full') throw error;
}
