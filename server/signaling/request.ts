import type { Socket } from 'socket.io';
import type { Logger } from 'pino';
import { ZodError, type z } from 'zod';
import { MediaError } from '../../sfu/errors.js';
import { MAX_MESSAGE_BYTES, requests, type ErrorCode } from '../../src/lib/signaling/messages.js';
import type { LiveErrorCode } from '../../src/lib/live/messages.js';
import { storeFailure, STORE_FAILURE_CODES, STORE_FAILURE_MESSAGES } from '../../src/lib/server/store-errors.js';
import type { FailureLog } from './failure-log.js';

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
export function serveRequests(socket: Socket, handlers: Handlers, log: Logger, failures: FailureLog): void {
	serveProtocol(socket, requests, handlers, log, failures);
}

/** `serveRequests` for any protocol: its schemas, its handlers, its size bound. */
export function serveProtocol<S extends Schemas>(socket: Socket, schemas: S, handlers: HandlersOf<S>, log: Logger, failures: FailureLog, maxBytes = MAX_MESSAGE_BYTES): void {
	socket.onAny((name: unknown, ...args: unknown[]) => {
		const ack = args.at(-1);
		if (typeof ack !== 'function') {
			log.debug({ socketId: socket.id }, 'message without ack ignored');
			return;
		}
		const reply = ack as (answer: { ok: unknown } | { error: Refusal }) => void;
		answer(name, args.length > 1 ? args[0] : undefined)
			.then((result) => reply({ ok: result ?? null }))
			.catch((error: unknown) => reply({ error: toWireError(error, name, socket.id, failures) }));
	});

	async function answer(name: unknown, payload: unknown): Promise<unknown> {
		// Socket.IO also lets a client name an event with a number.
		if (typeof name !== 'string' || !Object.hasOwn(schemas, name)) throw new SignalingError('UNKNOWN_MESSAGE', `unknown message "${String(name).slice(0, 40)}"`);
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

/**
 * The refusal a failed request is answered with. Refusals the handlers chose carry their code;
 * anything else is a failure nobody planned for: answered INTERNAL and logged, through a
 * throttle, since a client that found one can repeat it at will.
 */
function toWireError(error: unknown, name: unknown, socketId: string, failures: FailureLog): Refusal {
	if (error instanceof SignalingError || error instanceof MediaError) return { code: error.code, message: error.message };
	if (error instanceof ZodError) {
		const issue = error.issues[0];
		const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
		return { code: 'BAD_REQUEST', message: `invalid "${name}": ${where}${issue?.message ?? 'malformed'}` };
	}
	// Redis away or full: expected during an outage (StoreStatus logs it once), not a bug.
	const failure = storeFailure(error);
	if (failure) return { code: STORE_FAILURE_CODES[failure], message: STORE_FAILURE_MESSAGES[failure] };
	failures.failed(socketId, String(name).slice(0, 40), error);
	return { code: 'INTERNAL', message: 'the server could not complete this request' };
}
