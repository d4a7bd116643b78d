import net from 'node:net';
import type { Logger } from 'pino';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import type { InvokeMessage } from 'node-media-server/src/protocol/rtmp.js';
import { refusals, type IngestRefusal } from './refusals.js';
import { addressBucket, ConnectionCounts, type RtmpLimits } from './connection-limits.js';
import { redactSecrets, ThrottledLog } from './log-redaction.js';

/** The RTMP application OBS publishes to: rtmp://host:port/live + the stream key. */
export const RTMP_APP = 'live';

// A publisher that sends nothing for this long is dropped. node-media-server never times out a
// stalled publisher, and a dead OBS connection would keep the gig's seat.
const IDLE_TIMEOUT_MS = 10_000;
// Handshake (3 kB) and the commands up to `publish` (OBS and ffmpeg send well under 2 kB): what
// a connection may send before it is admitted. Beyond it, it is not an encoder.
const BEFORE_PUBLISH_BYTES = 64 * 1024;
// node-media-server allocates each message's full declared length up front (up to 16 MB) per
// chunk stream; these bound what one connection can make it allocate.
const MESSAGE_BYTES_BEFORE_PUBLISH = 16 * 1024;
const MESSAGE_BYTES = 8 * 1024 * 1024;
const CHUNK_STREAMS = 32;
const RTMP_TYPE_FLEX_MESSAGE = 17;

type PublishState = { publishing: boolean; lastDataAt: number };

export type PublishAttempt = { sessionId: string; app: string; streamKey: string; address: string };

/** An admitted RTMP publisher (one OBS), as the ingest sees it. */
export type RtmpPublisher = {
	readonly id: string;
	readonly streamKey: string;
	readonly address: string;
	/** Bytes received from the publisher so far. */
	readonly inBytes: number;
	/** When the publisher last sent anything (ms since the epoch). */
	readonly lastDataAt: number;
	readonly closed: boolean;
	/** The encoder said it stopped (FCUnpublish or deleteStream: OBS's "Stop Streaming"), rather than its connection dropping. */
	readonly stoppedCleanly: boolean;
	/** Each media message as it arrives (codec headers, frames, metadata); the packet's buffer is reused after the call. */
	onPacket(listener: (packet: AVPacket) => void): void;
	onClose(listener: () => void): void;
	/** Tells the encoder why it is cut off (OBS: as a bad stream key; ffmpeg prints the words), then closes. */
	refuse(refusal: IngestRefusal): void;
	close(): void;
};

export type RtmpGate = {
	/** Decides a publish before the publisher is told it started; a refusal reaches OBS as a bad stream key. */
	admit(attempt: PublishAttempt): Promise<IngestRefusal | null>;
	/** The publisher was admitted and told so; its media follows. */
	published(publisher: RtmpPublisher): void;
};

/**
 * The RTMP listener. node-media-server parses RTMP (handshake, chunks, commands, FLV tags) for
 * us; everything else is ours. Its own server answers `NetStream.Publish.Start` before any hook
 * runs and exits the process when its port is taken, and its stream fan-out lets anyone who can
 * name a stream play it, so we run only its sessions, answer publishes once admitted, refuse every
 * play, and hand the media to the ingest directly (the bridge reads it from a pipe).
 */
export class RtmpServer {
	private readonly server = net.createServer((socket) => this.serve(socket));
	private readonly sockets = new Set<net.Socket>();
	private readonly counts: ConnectionCounts;
	private readonly throttled: ThrottledLog;

	constructor(
		private readonly gate: RtmpGate,
		private readonly limits: RtmpLimits,
		private readonly log: Logger
	) {
		this.counts = new ConnectionCounts(limits);
		this.throttled = new ThrottledLog(log);
		routeNmsLogs(log);
	}

	/** Resolves with the bound port. */
	listen(port: number, host: string): Promise<number> {
		return new Promise((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(port, host, () => {
				this.server.off('error', reject);
				this.server.on('error', (err) => this.log.error({ err }, 'RTMP listener error'));
				const address = this.server.address();
				resolve(typeof address === 'object' && address ? address.port : port);
			});
		});
	}

	/** Connections open now (admitted or not). */
	get openConnections(): number {
		return this.counts.open;
	}

	async close(): Promise<void> {
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		for (const socket of this.sockets) socket.destroy();
		await closed;
	}

	private serve(socket: net.Socket): void {
		socket.on('error', () => {}); // a reset peer is an ordinary end here
		const bucket = addressBucket(socket.remoteAddress);
		const release = this.counts.admit(bucket);
		if (!release) {
			this.throttled.warn(`full:${bucket}`, { address: bucket, open: this.counts.open }, 'RTMP connection refused: too many open connections');
			socket.destroy();
			return;
		}
		this.sockets.add(socket);
		// Absolute, unlike the idle timeout: a client trickling a byte now and then is still cut here.
		const deadline = setTimeout(() => {
			this.throttled.warn(`slow:${bucket}`, { address: bucket }, 'RTMP connection did not start publishing in time; dropped');
			socket.destroy();
		}, this.limits.startDeadlineMs);
		socket.once('close', () => {
			clearTimeout(deadline);
			release();
			this.sockets.delete(socket);
		});
		socket.setNoDelay(true);
		socket.setTimeout(IDLE_TIMEOUT_MS, () => {
			this.throttled.warn(`idle:${bucket}`, { address: bucket }, 'RTMP connection idle; dropped');
			socket.destroy();
		});
		const session = new RtmpSession(socket);
		const state = { publishing: false, lastDataAt: Date.now() };
		this.bound(session, state);
		this.gatePublish(session, state, () => clearTimeout(deadline));
		refusePlay(session);
		session.run();
	}

	/**
	 * Bounds what a connection can make node-media-server do, and keeps a malformed message (its
	 * parser throws inside a socket event) from taking the process down: such a connection is dropped.
	 */
	private bound(session: RtmpSession, state: PublishState): void {
		const { rtmp, socket } = session;
		const parse = session.onData;
		let before = 0;
		session.onData = (data) => {
			state.lastDataAt = Date.now();
			try {
				if (!state.publishing && (before += data.length) > BEFORE_PUBLISH_BYTES) throw new Error('too much before publishing');
				parse(data);
			} catch (err) {
				this.throttled.warn(`bad:${addressBucket(socket.remoteAddress)}`, { address: addressBucket(socket.remoteAddress), reason: redactSecrets(String(err)) }, 'malformed RTMP; connection dropped');
				socket.destroy();
			}
		};
		const alloc = rtmp.packetAlloc.bind(rtmp);
		rtmp.packetAlloc = () => {
			const limit = state.publishing ? MESSAGE_BYTES : MESSAGE_BYTES_BEFORE_PUBLISH;
			if (rtmp.parserPacket.header.length > limit) throw new Error(`message of ${rtmp.parserPacket.header.length} bytes`);
			if (rtmp.inPackets.size > CHUNK_STREAMS) throw new Error('too many chunk streams');
			alloc();
		};
		const control = rtmp.controlHandler.bind(rtmp);
		rtmp.controlHandler = () => {
			control();
			// A chunk size of 0 would stall the parser on this connection for good.
			if (!(rtmp.inChunkSize >= 1)) throw new Error('chunk size 0');
		};
	}

	private gatePublish(session: RtmpSession, state: PublishState, started: () => void): void {
		const { rtmp, socket } = session;
		const packetListeners: ((packet: AVPacket) => void)[] = [];
		// Set before run(), which hands it to the parser. Nothing goes to node-media-server's fan-out.
		session.onPacket = (packet) => {
			if (!state.publishing) return;
			for (const listener of packetListeners) listener(packet);
		};
		const stop = { clean: false };
		const invoke = rtmp.invokeHandler.bind(rtmp);
		rtmp.invokeHandler = () => {
			const command = commandName(rtmp);
			if (state.publishing && (command === 'FCUnpublish' || command === 'deleteStream')) {
				stop.clean = true;
				socket.end();
				return;
			}
			invoke();
		};
		let asked = false;
		rtmp.onPublish = (message: InvokeMessage) => {
			// One publish per connection: a second would re-route the session under us.
			if (asked) return void socket.destroy();
			asked = true;
			const streamId = rtmp.parserPacket.header.stream_id;
			const streamKey = String(message.streamName ?? '').split('?')[0] ?? '';
			const attempt: PublishAttempt = { sessionId: session.id, app: rtmp.streamApp, streamKey, address: socket.remoteAddress ?? '' };
			// Hold the connection while the key is checked; a publisher waits for our answer anyway.
			socket.pause();
			this.gate.admit(attempt).then(
				(refusal) => {
					if (refusal) return this.refuse(session, streamId, refusal);
					const publisher = publisherOf(session, streamKey, packetListeners, stop, state, (r) => this.refuse(session, streamId, r));
					// Gone while we checked: the ingest still hears of it, to free what it reserved.
					if (!socket.destroyed) {
						rtmp.streamId = streamId;
						rtmp.sendStatusMessage(streamId, 'status', 'NetStream.Publish.Start', 'Publishing.');
						state.publishing = true;
						started();
						socket.resume();
					}
					this.gate.published(publisher);
				},
				(err) => {
					this.log.error({ sessionId: session.id, err }, 'RTMP publish check failed');
					this.refuse(session, streamId, refusals.unavailable());
				}
			);
		};
	}

	private refuse(session: RtmpSession, streamId: number, refusal: IngestRefusal): void {
		if (session.socket.destroyed) return;
		this.log.warn({ sessionId: session.id, address: addressBucket(session.socket.remoteAddress), code: refusal.code }, 'RTMP publish refused');
		// OBS shows BadName as "invalid stream key"; ffmpeg prints the description.
		session.rtmp.sendStatusMessage(streamId, 'error', 'NetStream.Publish.BadName', `${refusal.code}: ${refusal.message}`);
		session.socket.end();
		// A client that keeps the connection open after the refusal is not waited for.
		setTimeout(() => session.socket.destroy(), 2000).unref();
	}
}

/** Playing is not offered to anyone: the bridge reads each stream from a pipe, not over RTMP. */
function refusePlay(session: RtmpSession): void {
	const { rtmp, socket } = session;
	rtmp.onPlay = () => {
		rtmp.sendStatusMessage(rtmp.parserPacket.header.stream_id, 'error', 'NetStream.Play.Failed', 'playing is not offered here');
		socket.end();
	};
}

/** The name of the AMF0 command in the message being handled (its first value, a string), without decoding the rest. */
function commandName(rtmp: RtmpSession['rtmp']): string | null {
	const { header, payload } = rtmp.parserPacket;
	const at = header.type === RTMP_TYPE_FLEX_MESSAGE ? 1 : 0;
	if (header.length < at + 3 || payload[at] !== 0x02) return null;
	const length = payload.readUInt16BE(at + 1);
	return payload.toString('utf8', at + 3, Math.min(at + 3 + length, header.length));
}

function publisherOf(
	session: RtmpSession,
	streamKey: string,
	packetListeners: ((packet: AVPacket) => void)[],
	stop: { clean: boolean },
	state: PublishState,
	refuse: (refusal: IngestRefusal) => void
): RtmpPublisher {
	return {
		id: session.id,
		streamKey,
		address: session.socket.remoteAddress ?? '',
		get inBytes() {
			return session.inBytes;
		},
		get lastDataAt() {
			return state.lastDataAt;
		},
		get closed() {
			return session.socket.destroyed || session.socket.closed;
		},
		get stoppedCleanly() {
			return stop.clean;
		},
		onPacket: (listener) => packetListeners.push(listener),
		onClose: (listener) => {
			if (session.socket.destroyed) queueMicrotask(listener);
			else session.socket.once('close', listener);
		},
		refuse,
		close: () => session.socket.destroy()
	};
}

/**
 * node-media-server logs to the console at debug level; its lines go to our log at debug (errors
 * as warnings), with anything like a stream key masked: its lines name stream paths.
 */
function routeNmsLogs(log: Logger): void {
	const nms = log.child({ component: 'node-media-server' });
	nmsLogger.log = (message: string, level = 'info') => {
		const line = redactSecrets(String(message));
		if (level === 'error' || level === 'warn') nms.warn(line);
		else nms.debug(line);
	};
}
