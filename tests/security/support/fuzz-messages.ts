/**
 * Random and near-valid messages for the fuzz test: each is a real request of `/media` or `/live`
 * with one thing wrong (a field missing, mistyped, oversized, from someone else's objects…), or
 * no real request at all. Seeded, so a failure can be replayed with FUZZ_SEED.
 */
import { requests } from '../../../src/lib/signaling/messages.js';
import { liveRequests } from '../../../src/lib/live/messages.js';
import { vp8Parameters, opusParameters } from '../../support/media.js';

/** Every code either namespace may answer with; anything else is a failure. */
export const KNOWN_CODES = new Set([
	'BAD_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNKNOWN_MESSAGE', 'NOT_JOINED', 'ALREADY_JOINED', 'NOT_HOST', 'LOGIN_REQUIRED', 'GIG_NOT_FOUND',
	'GIG_CANCELLED', 'TICKET_REQUIRED', 'BANNED', 'GIG_HAS_HOST', 'NOT_ON_STAGE', 'NOTHING_TO_SHOW', 'LIMIT_REACHED', 'TRANSPORT_NOT_FOUND',
	'PRODUCER_NOT_FOUND', 'CONSUMER_NOT_FOUND', 'CANNOT_CONSUME', 'WRONG_DIRECTION', 'ALREADY_CONNECTED', 'MEDIA_UNAVAILABLE', 'INTERNAL',
	'RATE_LIMITED', 'TIMED_OUT', 'NOT_MODERATOR', 'CANNOT_MODERATE', 'MESSAGE_NOT_FOUND', 'PERSON_NOT_FOUND', 'NOT_BANNED', 'STAGE_CONFLICT',
	'STAGE_FULL', 'HOST_ON_STAGE', 'UNAVAILABLE', 'STORAGE_FULL', 'SHOW_ENDED'
]);

export const MEDIA_NAMES = Object.keys(requests);
export const LIVE_NAMES = Object.keys(liveRequests);

/** Small, fast, seedable PRNG (mulberry32). */
export function randomSource(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (n: number) => Math.floor(next() * n);
	const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
	return { next, int, pick, chance: (p: number) => next() < p };
}
export type Random = ReturnType<typeof randomSource>;

/** What the fuzzer has seen so far: real ids to put in the wrong places. */
export type Known = { gigIds: string[]; transportIds: string[]; producerIds: string[]; consumerIds: string[]; messageIds: string[]; userIds: string[]; rtpCapabilities: unknown };

const STRINGS = ['', ' ', 'x'.repeat(65), 'x'.repeat(5000), '\u0000', '\u202e\u2066evil', '../../etc/passwd', 'gig:*', '*', '%E0%A4%A', '__proto__', 'constructor', '0-0', '-1', '1e309', '😀'.repeat(100), 'null', '<script>', '\ud800'];
const NUMBERS = [0, -1, 1, 2, 3, 1.5, -0, 1e308, -1e308, 2 ** 53, 2 ** 31, Number.MIN_VALUE];

function deep(depth: number): unknown {
	let value: unknown = 'bottom';
	for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
	return value;
}

/** Any JSON value, often awkward. */
export function junk(r: Random, level = 0): unknown {
	switch (r.int(level > 2 ? 5 : 9)) {
		case 0: return null;
		case 1: return r.pick([true, false]);
		case 2: return r.pick(NUMBERS);
		case 3: return r.pick(STRINGS);
		case 4: return r.int(1e9).toString(36);
		case 5: return Array.from({ length: r.int(4) }, () => junk(r, level + 1));
		case 6: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['a', 'codecs', 'encodings', '__proto__', 'constructor', 'prototype', 'toString', 'gigId', 'id']), junk(r, level + 1)]));
		case 7: return deep(1 + r.int(300));
		default: return Array.from({ length: 200 + r.int(3000) }, () => r.int(10));
	}
}

const id = (r: Random, known: string[]) => (known.length && r.chance(0.7) ? r.pick(known) : (junk(r) as string));

/** A well-formed payload for `name`, using ids the fuzzer has seen (often someone else's). */
export function template(name: string, r: Random, k: Known): Record<string, unknown> {
	const gigId = k.gigIds.length && r.chance(0.85) ? r.pick(k.gigIds) : r.pick(['no-such-gig', 'a', 'x'.repeat(63)]);
	switch (name) {
		case 'join': return { gigId, role: r.pick(['host', 'guest', 'viewer']), ...(r.chance(0.3) ? { sessionKey: 'fuzz-session-key-' + r.int(4) } : {}) };
		case 'transport:create': return { direction: r.pick(['send', 'recv']) };
		case 'transport:connect': return { transportId: id(r, k.transportIds), dtlsParameters: { role: r.pick(['auto', 'client', 'server']), fingerprints: [{ algorithm: r.pick(['sha-256', 'sha-1', 'md5', 'x']), value: r.pick(['AB:CD', 'zz', '00:'.repeat(31) + '00']) }] } };
		case 'produce': return { transportId: id(r, k.transportIds), kind: r.pick(['audio', 'video']), source: r.pick(['camera', 'microphone', 'screen', 'screen-audio']), rtpParameters: r.chance(0.5) ? vp8Parameters(1 + r.int(5000)) : opusParameters(1 + r.int(5000)) };
		case 'producer:close': return { producerId: id(r, k.producerIds) };
		case 'consume': return { transportId: id(r, k.transportIds), producerId: id(r, k.producerIds), rtpCapabilities: r.chance(0.8) ? k.rtpCapabilities : junk(r) };
		case 'consumer:resume': return { consumerId: id(r, k.consumerIds) };
		case 'consumer:layers': return { consumerId: id(r, k.consumerIds), spatialLayer: r.int(3), temporalLayer: r.int(3) };
		case 'live:follow': return r.chance(0.3) ? {} : { gigId };
		case 'live:join': return { gigId };
		case 'chat:send': return { text: r.pick(['hello', 'x'.repeat(499), '\u202e\nfake [admin]', 'http://example.org <b>', ' ']) };
		case 'chat:older': case 'chat:delete': {
			const mid = k.messageIds.length && r.chance(0.5) ? r.pick(k.messageIds) : r.pick(['0-0', '00-0', '1-0', '999999999999999-9999999999', '1700000000000-0']);
			return name === 'chat:older' ? { before: mid } : { messageId: mid };
		}
		case 'mod:timeout': return { userId: id(r, k.userIds), minutes: r.pick([1, 5, 1440]) };
		case 'mod:ban': case 'mod:unban': case 'stage:invite': case 'stage:remove': return { userId: r.pick(['nobody0', 'x', 'a'.repeat(32)]) };
		case 'react': return { kind: r.pick(['heart', 'applause']) };
		default: return {};
	}
}

/** One message: a name and a payload, near-valid most of the time. */
export function message(names: string[], r: Random, k: Known): { name: unknown; payload: unknown } {
	const roll = r.next();
	// Reserved names (connect, disconnect…) never leave socket.io-client: raw frames send them.
	if (roll < 0.05) return { name: r.pick([...STRINGS, 42, 0, 'ping', 'error']), payload: junk(r) };
	const name = r.pick(names);
	const payload = template(name, r, k);
	if (roll < 0.35) return { name, payload }; // valid shape, often someone else's ids or the wrong moment
	const keys = Object.keys(payload);
	if (roll < 0.5 && keys.length) {
		delete payload[r.pick(keys)];
	} else if (roll < 0.75 && keys.length) {
		payload[r.pick(keys)] = junk(r);
	} else if (roll < 0.85) {
		payload[r.pick(['__proto__', 'constructor', 'extra', 'gigId', 'role'])] = junk(r);
	} else {
		return { name, payload: junk(r) };
	}
	return { name, payload };
}

/** Frames a broken or hostile client might put on a raw Engine.IO WebSocket (after its handshake). */
export function rawFrame(r: Random, sid: string): string | Buffer {
	const ns = r.pick(['/media', '/live', '/', '/nope', '']);
	const ack = r.pick(['', '1', '99999999999999999999', '-1', 'x']);
	const frames = [
		() => `40${ns},`,
		() => `40${ns},${JSON.stringify(junk(r))}`,
		() => `42${ns},${ack}${JSON.stringify([r.pick([...MEDIA_NAMES, ...LIVE_NAMES, 'connect', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'connect_error']), junk(r)])}`,
		() => `42${ns},${ack}["join"`,
		() => `42${ns},${ack}${JSON.stringify(junk(r))}`,
		() => `43${ns},1${JSON.stringify(junk(r))}`,
		() => `45${r.int(3)}-${ns},${ack}["join",{"_placeholder":true,"num":${r.int(5)}}]`,
		() => `41${ns},`,
		() => `4${r.int(10)}${JSON.stringify(junk(r))}`,
		() => r.pick(['', '4', '2', '3', '5', '6', '1', '9', 'probe', '2probe', `0{"sid":"${sid}"}`]),
		() => Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256))),
		() => String.fromCharCode(...Array.from({ length: 1 + r.int(64) }, () => r.int(0xffff)))
	];
	return r.pick(frames)();
}
