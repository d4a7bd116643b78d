import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isInternalAddress, isLocalHostname } from './private-address.js';

export type PostRequest = {
	url: string;
	body: string;
	headers: Record<string, string>;
	timeoutMs: number;
	/** Loopback and private addresses are refused unless this is set (WEBHOOKS_ALLOW_PRIVATE). */
	allowPrivate: boolean;
	/** Aborts the attempt, e.g. when the server shuts down. */
	signal?: AbortSignal;
	/** How names become addresses (default: the system's resolver, `dns.lookup`). */
	resolve?: ResolveAll;
};

/** Every address a name resolves to, of either family. */
export type ResolveAll = (hostname: string, options: { family?: number | 'IPv4' | 'IPv6' }, callback: (error: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void) => void;

const systemResolve: ResolveAll = (hostname, options, callback) => dns.lookup(hostname, { ...(options as dns.LookupOptions), all: true }, callback);

/** What an attempt came to: a 2xx answer, another answer, or no answer at all (`error`). */
export type PostResult = { ok: boolean; status: number | null; error: string | null };

// Enough to read a short "ok" and reuse nothing: the answer's body is never shown or stored.
const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs one event. Never follows a redirect, never waits past the timeout, never throws. */
export function postEvent(request: PostRequest): Promise<PostResult> {
	const target = new URL(request.url);
	const host = target.hostname.replace(/^\[|\]$/g, '');
	if (!request.allowPrivate && (isLocalHostname(host) || (isIP(host) !== 0 && isInternalAddress(host)))) {
		return Promise.resolve({ ok: false, status: null, error: `Refused: ${host} is a private address` });
	}
	const timeout = AbortSignal.timeout(request.timeoutMs);
	const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
	const transport = target.protocol === 'https:' ? https : http;
	return new Promise((resolve) => {
		let settled = false;
		const settle = (result: PostResult) => {
			if (settled) return;
			settled = true;
			resolve(result);
		};
		const req = transport.request(
			target,
			{
				method: 'POST',
				headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)), 'User-Agent': 'Gigstage-Webhooks/1', Connection: 'close' },
				// Checked at connection time, so a name cannot pass at saving and resolve inward later.
				lookup: request.allowPrivate ? undefined : publicOnlyLookup(request.resolve ?? systemResolve),
				signal
			},
			(res) => {
				const status = res.statusCode ?? 0;
				let read = 0;
				res.on('data', (chunk: Buffer) => {
					read += chunk.length;
					if (read > MAX_ANSWER_BYTES) res.destroy();
				});
				const done = () => settle(answer(status, res.headers.location));
				res.on('end', done);
				res.on('close', done);
				res.on('error', done);
			}
		);
		req.on('error', (error) => settle({ ok: false, status: null, error: describe(error, timeout.aborted, request.timeoutMs) }));
		req.end(request.body);
	});
}

function answer(status: number, location: string | undefined): PostResult {
	if (status >= 200 && status < 300) return { ok: true, status, error: null };
	if (status >= 300 && status < 400) return { ok: false, status, error: `Redirect${location ? ` to ${location.slice(0, 200)}` : ''} not followed` };
	return { ok: false, status, error: null };
}

/**
 * Resolves like the system does, then refuses the name if any of its addresses, of either family
 * and in any IPv6 form that embeds IPv4, is internal: a connection may be made to any of them.
 */
const publicOnlyLookup = (resolve: ResolveAll): LookupFunction => (hostname, options, callback) => {
	resolve(hostname, { family: options.family }, (error, addresses) => {
		if (error) return callback(error, '', 0);
		const internal = addresses.find((a) => isInternalAddress(a.address));
		if (internal) {
			const refusal = Object.assign(new Error(`${hostname} resolves to ${internal.address}, a private address`), { code: 'EPRIVATE' });
			return callback(refusal, '', 0);
		}
		if (options.all) return callback(null, addresses);
		const first = addresses[0];
		if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
		callback(null, first.address, first.family);
	});
};

function describe(error: Error & { code?: string }, timedOut: boolean, timeoutMs: number): string {
	if (timedOut) return `Timed out after ${Math.round(timeoutMs / 100) / 10} s`;
	if (error.name === 'AbortError') return 'Interrupted: Gigstage was shutting down';
	switch (error.code) {
		case 'EPRIVATE':
			return `Refused: ${error.message}`;
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
			return 'Host not found';
		case 'ECONNREFUSED':
			return 'Connection refused';
		case 'ECONNRESET':
			return 'Connection reset';
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return 'Host unreachable';
		default:
			return error.message.slice(0, 200) || 'Network error';
	}
}
