/**
 * Pages opened from a one-time link carry the token in their address: no referrer leaves them,
 * and no cache keeps them.
 */
export function tokenPage(setHeaders: (headers: Record<string, string>) => void): void {
	setHeaders({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
}
