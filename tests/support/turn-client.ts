import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

/**
 * Just enough of a TURN client (RFC 8656) to ask a real TURN server for a relay with given
 * credentials, the way a browser does: Allocate, answered 401 with a realm and nonce, then
 * Allocate again with the long-term credential's MESSAGE-INTEGRITY. Over UDP, from loopback.
 */
const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const ATTR = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, REALM: 0x0014, NONCE: 0x0015, REQUESTED_TRANSPORT: 0x0019 };
const UDP = 17;

export type TurnAnswer = { ok: true } | { ok: false; code: number; reason: string };

/** A TURN client on one UDP socket: its allocation lives as long as the socket. */
export class TurnClient {
	private readonly socket = dgram.createSocket('udp4');
	private realm = '';
	private nonce = '';

	constructor(
		private readonly host: string,
		private readonly port: number
	) {}

	/** Asks for a relay with these credentials (the TURN REST username and its HMAC). */
	async allocate(username: string, password: string): Promise<TurnAnswer> {
		const first = await this.request(ALLOCATE, [[ATTR.REQUESTED_TRANSPORT, Buffer.from([UDP, 0, 0, 0])]]);
		if (first.ok) return first; // a server without authentication
		if (first.code !== 401) return first;
		return this.authenticated(ALLOCATE, username, password, [[ATTR.REQUESTED_TRANSPORT, Buffer.from([UDP, 0, 0, 0])]]);
	}

	/** Refreshes the allocation (what a browser does every few minutes while it uses the relay). */
	refresh(username: string, password: string, lifetimeSeconds = 600): Promise<TurnAnswer> {
		const lifetime = Buffer.alloc(4);
		lifetime.writeUInt32BE(lifetimeSeconds);
		return this.authenticated(REFRESH, username, password, [[ATTR.LIFETIME, lifetime]]);
	}

	close(): void {
		this.socket.close();
	}

	private async authenticated(type: number, username: string, password: string, attributes: [number, Buffer][]): Promise<TurnAnswer> {
		const key = createHash('md5').update(`${username}:${this.realm}:${password}`).digest();
		const signed: [number, Buffer][] = [...attributes, [ATTR.USERNAME, Buffer.from(username)], [ATTR.REALM, Buffer.from(this.realm)], [ATTR.NONCE, Buffer.from(this.nonce)]];
		let answer = await this.request(type, signed, key);
		// A stale nonce (438) is answered with a fresh one: try once more, as browsers do.
		if (!answer.ok && answer.code === 438) answer = await this.request(type, signed.slice(0, -1).concat([[ATTR.NONCE, Buffer.from(this.nonce)]]), key);
		return answer;
	}

	private request(type: number, attributes: [number, Buffer][], key?: Buffer): Promise<TurnAnswer> {
		const transaction = randomBytes(12);
		const message = encode(type, transaction, attributes, key);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.socket.off('message', onMessage);
				reject(new Error(`the TURN server at ${this.host}:${this.port} did not answer`));
			}, 5000);
			const onMessage = (data: Buffer) => {
				if (data.length < 20 || !data.subarray(8, 20).equals(transaction)) return;
				clearTimeout(timer);
				this.socket.off('message', onMessage);
				resolve(this.read(data));
			};
			this.socket.on('message', onMessage);
			this.socket.send(message, this.port, this.host);
		});
	}

	private read(data: Buffer): TurnAnswer {
		const type = data.readUInt16BE(0);
		const isError = (type & 0x0110) === 0x0110;
		let code = 0;
		let reason = '';
		for (let offset = 20; offset + 4 <= data.length; ) {
			const attr = data.readUInt16BE(offset);
			const length = data.readUInt16BE(offset + 2);
			const value = data.subarray(offset + 4, offset + 4 + length);
			if (attr === ATTR.REALM) this.realm = value.toString();
			if (attr === ATTR.NONCE) this.nonce = value.toString();
			if (attr === ATTR.ERROR_CODE) {
				code = value[2]! * 100 + value[3]!;
				reason = value.subarray(4).toString();
			}
			offset += 4 + Math.ceil(length / 4) * 4;
		}
		return isError ? { ok: false, code, reason } : { ok: true };
	}
}

function encode(type: number, transaction: Buffer, attributes: [number, Buffer][], key?: Buffer): Buffer {
	const body = Buffer.concat(attributes.map(([attr, value]) => attribute(attr, value)));
	const header = Buffer.alloc(20);
	header.writeUInt16BE(type, 0);
	header.writeUInt32BE(MAGIC_COOKIE, 4);
	transaction.copy(header, 8);
	if (!key) {
		header.writeUInt16BE(body.length, 2);
		return Buffer.concat([header, body]);
	}
	// MESSAGE-INTEGRITY covers the message with its length already counting the integrity attribute.
	header.writeUInt16BE(body.length + 24, 2);
	const hmac = createHmac('sha1', key).update(Buffer.concat([header, body])).digest();
	return Buffer.concat([header, body, attribute(ATTR.MESSAGE_INTEGRITY, hmac)]);
}

function attribute(type: number, value: Buffer): Buffer {
	const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
	padded.writeUInt16BE(type, 0);
	padded.writeUInt16BE(value.length, 2);
	value.copy(padded, 4);
	return padded;
}
