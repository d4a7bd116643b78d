import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Gigstage-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme
 * Stripe uses: the timestamp is signed too, so a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'Gigstage-Signature';

/** How old a signature a receiver should accept, by default. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signPayload(secret: string, timestamp: number, body: string): string {
	return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, body: string, now = Date.now()): string {
	const t = Math.floor(now / 1000);
	return `t=${t},v1=${signPayload(secret, t, body)}`;
}

/** What a receiver does (and the README shows): recompute, compare in constant time, check the age. */
export function verifySignature(secret: string, header: string | null | undefined, body: string, now = Date.now(), toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS): boolean {
	if (!header) return false;
	const parts = header.split(',').map((part) => part.split('=', 2) as [string, string?]);
	const t = Number(parts.find(([k]) => k === 't')?.[1]);
	if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
	const expected = Buffer.from(signPayload(secret, t, body), 'hex');
	// As in Stripe's scheme, any one matching v1 is enough (room for signing with two secrets later).
	return parts
		.filter(([k]) => k === 'v1')
		.some(([, v]) => {
			const given = Buffer.from(v ?? '', 'hex');
			return given.length === expected.length && timingSafeEqual(given, expected);
		});
}
