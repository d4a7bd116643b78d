/** A refusal the person can act on: a stable code for programs, a sentence for people. */
export type DomainErrorCode =
	| 'INVALID_INPUT'
	| 'EMAIL_TAKEN'
	| 'BAD_CREDENTIALS'
	| 'FORBIDDEN'
	| 'RATE_LIMITED'
	| 'GIG_NOT_FOUND'
	| 'GIG_CANCELLED'
	| 'GIG_STARTED'
	| 'SOLD_OUT'
	| 'ALREADY_HAS_TICKET'
	| 'CHECKOUT_NOT_FOUND'
	| 'CHECKOUT_EXPIRED'
	| 'PAYMENT_UNAVAILABLE'
	| 'PAYMENT_DECLINED'
	| 'LOGIN_REQUIRED'
	| 'TICKET_REQUIRED'
	| 'WEBHOOK_NOT_SET'
	| 'EMAIL_UNCONFIRMED'
	| 'TOKEN_INVALID'
	| 'TOKEN_EXPIRED'
	| 'TOKEN_OTHER_ACCOUNT'
	| 'WRONG_PASSWORD'
	| 'ACCOUNT_HAS_GIGS'
	/** The store of record cannot be reached right now (see store-errors.ts). */
	| 'UNAVAILABLE'
	/** The disk is full: nothing new can be saved (see store-errors.ts). */
	| 'STORAGE_FULL';

const STATUS: Record<DomainErrorCode, number> = {
	INVALID_INPUT: 400,
	EMAIL_TAKEN: 409,
	BAD_CREDENTIALS: 401,
	FORBIDDEN: 403,
	RATE_LIMITED: 429,
	GIG_NOT_FOUND: 404,
	GIG_CANCELLED: 410,
	GIG_STARTED: 409,
	SOLD_OUT: 409,
	ALREADY_HAS_TICKET: 409,
	CHECKOUT_NOT_FOUND: 404,
	CHECKOUT_EXPIRED: 410,
	PAYMENT_UNAVAILABLE: 503,
	PAYMENT_DECLINED: 402,
	LOGIN_REQUIRED: 401,
	TICKET_REQUIRED: 403,
	WEBHOOK_NOT_SET: 409,
	EMAIL_UNCONFIRMED: 403,
	TOKEN_INVALID: 410,
	TOKEN_EXPIRED: 410,
	TOKEN_OTHER_ACCOUNT: 403,
	WRONG_PASSWORD: 403,
	ACCOUNT_HAS_GIGS: 409,
	UNAVAILABLE: 503,
	STORAGE_FULL: 507
};

// The SvelteKit bundle and the server each load their own copy of this module, so an error made
// by one is checked by the other: `instanceof` looks for this brand instead of the class.
const BRAND = Symbol.for('gigstage.DomainError');

export class DomainError extends Error {
	readonly [BRAND] = true;

	static override [Symbol.hasInstance](value: unknown): boolean {
		return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
	}

	constructor(
		readonly code: DomainErrorCode,
		message: string,
		/** Per-field messages for forms. */
		readonly fields: Record<string, string> = {}
	) {
		super(message);
		this.name = 'DomainError';
	}

	get status(): number {
		return STATUS[this.code];
	}
}

/** Field messages from a zod error, first message per field. */
export function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const issue of issues) {
		const key = String(issue.path[0] ?? 'form');
		fields[key] ??= issue.message;
	}
	return fields;
}
