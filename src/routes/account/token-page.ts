import { DomainError } from '$lib/server/errors';

/**
 * Pages opened from a one-time link carry the token in their address: no referrer leaves them,
 * and no cache keeps them.
 */
export function tokenPage(setHeaders: (headers: Record<string, string>) => void): void {
	setHeaders({ 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
}

/** What a link's page loads: what the link would do, or why it does not work (a refusal the page shows, not an error page). */
export async function linkPreview<T extends Record<string, unknown>>(preview: () => Promise<T>): Promise<(T & { problem: null }) | { problem: { code: string; message: string } }> {
	try {
		return { ...(await preview()), problem: null };
	} catch (error) {
		if (!(error instanceof DomainError)) throw error;
		return { problem: { code: error.code, message: error.message } };
	}
}
