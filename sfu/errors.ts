/** Stable codes for media-plane refusals; the signaling layer passes them on to clients unchanged. */
export type MediaErrorCode =
	| 'TRANSPORT_NOT_FOUND'
	| 'PRODUCER_NOT_FOUND'
	| 'CONSUMER_NOT_FOUND'
	| 'CANNOT_CONSUME'
	| 'WRONG_DIRECTION'
	| 'ALREADY_CONNECTED'
	| 'LIMIT_REACHED'
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
