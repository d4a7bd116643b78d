import { services } from './services.js';

/**
 * Where people reach this site: PUBLIC_URL when set (behind a TLS proxy the request's own origin
 * may be an internal one), otherwise the origin the request came to.
 */
export function siteOrigin(requestUrl: URL): string {
	const configured = services().settings.publicUrl;
	return configured ? new URL(configured).origin : requestUrl.origin;
}

/** The absolute address of a gig's page, where its tickets are sold: what Share passes on. */
export function gigPageUrl(gigId: string, requestUrl: URL): string {
	return `${siteOrigin(requestUrl)}/gigs/${gigId}`;
}
