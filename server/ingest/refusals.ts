/** Why an RTMP publish was refused: a stable code for logs and tests, and words for the person in OBS. */
export type IngestRefusalCode =
	| 'WRONG_APP'
	| 'STREAM_KEY_UNKNOWN'
	| 'GIG_CANCELLED'
	| 'GIG_ENDED'
	| 'GIG_HAS_HOST'
	| 'ALREADY_PUBLISHING'
	| 'SHOW_HELD'
	| 'REENCODE_BUSY'
	| 'INGEST_UNAVAILABLE';

export type IngestRefusal = { code: IngestRefusalCode; message: string };

export const refusals = {
	wrongApp: (): IngestRefusal => ({ code: 'WRONG_APP', message: 'Use the server URL from the gig’s credentials page (it ends in /live).' }),
	unknownKey: (): IngestRefusal => ({ code: 'STREAM_KEY_UNKNOWN', message: 'This stream key is not valid (it may have been rotated).' }),
	cancelled: (): IngestRefusal => ({ code: 'GIG_CANCELLED', message: 'This gig was cancelled.' }),
	ended: (): IngestRefusal => ({ code: 'GIG_ENDED', message: 'This gig’s show has ended; schedule a new gig to go live again.' }),
	studioHost: (): IngestRefusal => ({ code: 'GIG_HAS_HOST', message: 'This gig is being hosted from the browser studio; close the studio first.' }),
	alreadyPublishing: (): IngestRefusal => ({ code: 'ALREADY_PUBLISHING', message: 'Another encoder is already streaming to this gig.' }),
	showHeld: (seconds: number): IngestRefusal => ({
		code: 'SHOW_HELD',
		message: `This gig’s show is paused for the encoder that dropped, which used another stream key. It can come back with that key, or the show ends in ${seconds} s and this key can start again.`
	}),
	reencodeBusy: (because: string): IngestRefusal => ({
		code: 'REENCODE_BUSY',
		message: `The server would have to re-encode your video (${because}), and it is re-encoding as many streams as it can carry. In OBS set Profile to “main” and B-frames to 0 (Tune “zerolatency”), then start again: your video then goes to viewers as it is.`
	}),
	unavailable: (): IngestRefusal => ({ code: 'INGEST_UNAVAILABLE', message: 'The server could not check this stream key; try again.' })
};
