/** Stable codes for media-plane refusals; the signaling layer passes them on to clients unchanged. */
export type MediaErrorCode =
	| 'NOT_JOINED'
	| 'TRANSPORT_NOT_FOUND'
	| 'PRODUCER_NOT_FOUND'
	| 'CONSUMER_NOT_FOUND'
	| 'CANNOT_CONSUME'
	| 'WRONG_DIRECTION'
	| 'ALREADY_CONNECTED'
	| 'LIMIT_REACHED'
	/** mediasoup cannot use the parameters a client sent (codecs, SSRCs, fingerprints…). */
	| 'BAD_REQUEST'
	| 'MEDIA_UNAVAILABLE';

export class MediaError extends Error {
	constructor(
		readonly code: MediaErrorCode,
		message: string
	) {
		super(message);
		this.name = 'MediaError';
	}
}

/**
 * What a mediasoup call that carried a client's parameters failed with, as a refusal: its own
 * validation (TypeError, UnsupportedError) and the worker's (a plain Error: a duplicate SSRC, an
 * unknown codec) are about those parameters; a closed object or router means the media went away
 * meanwhile. Never an unexplained internal error for what a client chose to send. `what` is null
 * for a call that carried no client parameters: its other failures are the server's own.
 */
export function refusedByMediasoup(error: unknown, what: string | null, routerClosed: boolean): unknown {
	if (error instanceof MediaError) return error;
	const name = error instanceof Error ? error.name : '';
	if (routerClosed || name === 'InvalidStateError') return new MediaError('MEDIA_UNAVAILABLE', 'the media this request needs has closed: join again');
	if (what === null) return error;
	const reason = error instanceof Error ? error.message : String(error);
	return new MediaError('BAD_REQUEST', `mediasoup refused this ${what}: ${reason.slice(0, 200)}`);
}
