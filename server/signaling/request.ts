import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import { ZodError, type z } from 'zod';
import { MediaError } from '../../sfu/errors.js';
import { MAX_MESSAGE_BYTES, requests, type ErrorCode } from '../../src/lib/signaling/messages.js';
import type { LiveErrorCode } from '../../src/lib/live/messages.js';
import { storeFailure, STORE_FAILURE_CODES, STORE_FAILURE_MESSAGES } from '../../src/lib/server/store-errors.js';

/** Every code a signaling namespace (`/media`, `/live`) answers with. */
export type RefusalCode = ErrorCode | LiveErrorCode;
type Refusal = { code: RefusalCode; message: string };

/** A refusal with a stable code; thrown by handlers, answered to the client as `{ error }`. */
export class SignalingError extends Error {
	constructor(
		readonly code: RefusalCode,
		message: string
	) {
		super(message);
		this.name = 'SignalingError';
	}
}

type Schemas = Record<string, z.ZodType>;
/** One handler per message of a protocol, each given its validated payload. */
export type HandlersOf<S extends Schemas> = { [N in keyof S]: (payload: z.output<S[N]>) => Promise<unknown> | unknown };
export type Handlers = HandlersOf<typeof requests>;

/**
 * Routes every inbound message of a socket to its handler: checks there is an ack to answer,
 * bounds the size, validates with the message's schema, and turns every failure into a coded
 * error. Nothing a client sends reaches a handler unvalidated or escapes as an exception.
 */
export function serveRequests(socket: Socket, handlers: Handlers, log: Logger): void {
	serveProtocol(socket, requests, handlers, log);
}

/** `serveRequests` for any protocol: its schemas, its handlers, its size bound. */
export function serveProtocol<S extends Schemas>(socket: Socket, schemas: S, handlers: HandlersOf<S>, log: Logger, maxBytes = MAX_MESSAGE_BYTES): void {
	socket.onAny((name: string, ...args: unknown[]) => {
		const ack = args.at(-1);
		if (typeof ack !== 'function') {
			log.debug({ socketId: socket.id, name }, 'message without ack ignored');
			return;
		}
		const reply = ack as (answer: { ok: unknown } | { error: Refusal }) => void;
		answer(name, args.length > 1 ? args[0] : undefined)
			.then((result) => reply({ ok: result ?? null }))
			.catch((error: unknown) => reply({ error: toWireError(error, name, socket.id, log) }));
	});

	async function answer(name: string, payload: unknown): Promise<unknown> {
		if (!Object.hasOwn(schemas, name)) throw new SignalingError('UNKNOWN_MESSAGE', `unknown message "${name.slice(0, 40)}"`);
		if (jsonSize(payload) > maxBytes) throw new SignalingError('PAYLOAD_TOO_LARGE', `"${name}" is larger than ${maxBytes} bytes`);
		const parsed = schemas[name]!.parse(payload ?? {});
		return (handlers[name] as (payload: unknown) => unknown)(parsed);
	}
}

function jsonSize(payload: unknown): number {
	try {
		return Buffer.byteLength(JSON.stringify(payload) ?? '');
	} catch {
		return Infinity;
	}
}

function toWireError(error: unknown, name: string, socketId: string, log: Logger): Refusal {
	if (error instanceof SignalingError || error instanceof MediaError) return { code: error.code, message: error.message };
	if (error instanceof ZodError) {
		const issue = error.issues[0];
		const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
		return { code: 'BAD_REQUEST', message: `invalid "${name}": ${where}${issue?.message ?? 'malformed'}` };
	}
	// mediasoup rejects parameters it cannot use with a TypeError; that is the client's fault.
	if (error instanceof TypeError) return { code: 'BAD_REQUEST', message: `invalid "${name}": ${error.message}` };
	// Redis away or full: expected during an outage (StoreStatus logs it once), not a bug.
	const failure = storeFailure(error);
	if (failure) return { code: STORE_FAILURE_CODES[failure], message: STORE_FAILURE_MESSAGES[failure] };
	log.error({ socketId, name, err: error }, 'signaling request failed');
	return { code: 'INTERNAL', message: 'the server could not complete this request' };
}
