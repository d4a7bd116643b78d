import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

type AllowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;

/**
 * Socket.IO's handshake gate (`allowRequest`, every namespace): only the site's own pages may
 * connect. A browser sends the visitor's cookies with a handshake whatever page starts it, and
 * says which page in `Origin`; without this check any site could join a gig, chat or watch as
 * its visitor. The site is PUBLIC_URL's origin when set (behind a TLS proxy, the address people
 * use); otherwise the Host the request was sent to, whatever the scheme (a proxy that keeps the
 * Host works without PUBLIC_URL).
 *
 * A handshake without an Origin is let through: browsers send one with every WebSocket and
 * cross-site request and leave it out only of same-origin GETs (Socket.IO's long-polling), so
 * its sender is that page or not a browser at all — and then it can only present cookies it
 * holds anyway.
 */
export function siteOriginCheck(publicUrl: string | undefined, log: Logger): AllowRequest {
	const site = publicUrl ? new URL(publicUrl).origin : null;
	return (req, callback) => {
		const origin = req.headers.origin;
		if (isSiteOrigin(origin, req.headers.host, site)) return callback(null, true);
		log.debug({ origin: String(origin).slice(0, 200), url: req.url?.slice(0, 200) }, 'Socket.IO handshake from another site refused');
		callback('ORIGIN_NOT_ALLOWED', false);
	};
}

/** Whether a handshake's `Origin` is the site's: `site` (PUBLIC_URL's origin) if set, else the request's own `host`. */
export function isSiteOrigin(origin: string | undefined, host: string | undefined, site: string | null): boolean {
	if (origin === undefined) return true;
	const page = parse(origin);
	// Opaque origins ("null": sandboxed frames, files) belong to no site.
	if (!page || page.origin === 'null' || (page.protocol !== 'http:' && page.protocol !== 'https:')) return false;
	if (site) return page.origin === site;
	if (!host) return false;
	// Read the Host with the page's scheme, so a default port compares equal however it is written.
	const own = parse(`${page.protocol}//${host}`);
	return own !== null && own.host === page.host && own.pathname === '/' && !own.username && !own.password;
}

function parse(url: string): URL | null {
	try {
		return new URL(url);
	} catch {
		return null;
	}
}
