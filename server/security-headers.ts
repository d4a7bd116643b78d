import type { RequestHandler } from 'express';

/**
 * Headers every response carries, pages or not (health checks, cover images, Socket.IO's polling).
 * Pages get their Content-Security-Policy from SvelteKit (`kit.csp` in svelte.config.js), which
 * replaces the locked-down one set here for everything else.
 */
export function securityHeaders(publicUrl: string | undefined): Record<string, string> {
	return {
		// Older browsers ignore CSP's frame-ancestors: no page may be framed (clickjacking a form).
		'X-Frame-Options': 'DENY',
		'X-Content-Type-Options': 'nosniff',
		// Paths carry gig and checkout ids: other sites learn nothing of them.
		'Referrer-Policy': 'same-origin',
		// The studio and the stage need the camera, microphone and screen, on this site only.
		'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()',
		'Cross-Origin-Opener-Policy': 'same-origin',
		// HSTS only when the site is served over https (PUBLIC_URL says so): over http it would do nothing but confuse.
		...(publicUrl?.startsWith('https:') ? { 'Strict-Transport-Security': 'max-age=31536000' } : {})
	};
}

/** Puts the security headers on every response passing through express. */
export function withSecurityHeaders(publicUrl: string | undefined): RequestHandler {
	const headers = securityHeaders(publicUrl);
	return (_req, res, next) => {
		for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
		res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; sandbox");
		next();
	};
}
