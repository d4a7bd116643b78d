import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // no look-alikes (l, 1, o, 0)

/** A short random id, safe in URLs and as a gig id ([a-z0-9]). */
export function newId(length = 10): string {
	let id = '';
	for (let i = 0; i < length; i++) id += ALPHABET[randomInt(ALPHABET.length)];
	return id;
}

/** An unguessable secret (session tokens, stream keys). */
export function newSecret(bytes = 24): string {
	return randomBytes(bytes).toString('base64url');
}
