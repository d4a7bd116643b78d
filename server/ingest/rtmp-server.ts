import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import RtmpSession from 'node-media-server/src/session/rtmp_session.js';
import nmsLogger from 'node-media-server/src/core/logger.js';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import type { InvokeMessage } from 'node-media-server/src/protocol/rtmp.js';
import { refusals, type IngestRefusal } from './refusals.js';

/** The RTMP application OBS publishes to: rtmp://host:port/live + the stream key. */
export const RTMP_APP = 'live';

// A connection that neither publishes nor receives for this long is dropped. node-media-server
// never times out a stalled publisher, and a dead OBS connection would keep the gig's seat.
const IDLE_TIMEOUT_MS = 10_000;

export type PublishAttempt = { sessionId: string; app: string; streamKey: string; address: string };

/** An admitted RTMP publisher (one OBS), as the ingest sees it. */
export type RtmpPublisher = {
	readonly id: string;
	readonly streamKey: string;
	readonly address: string;
	/** Bytes received from the publisher so far. */
	readonly inBytes: number;
	/** As the publisher announced it (0 × 0 until its metadata arrives). */
	readonly videoSize: { width: number; height: number };
	readonly closed: boolean;
	/** Each media message as it arrives (codec headers, frames, metadata). */
	onPacket(listener: (packet: AVPacket) => void): void;
	onClose(listener: () => void): void;
	close(): void;
};

export type RtmpGate = {
	/** Decides a publish before the publisher is told it started; a refusal reaches OBS as a bad stream key. */
	admit(attempt: PublishAttempt): Promise<IngestRefusal | null>;
	/** The publisher was admitted and node-media-server is fanning its stream out. */
	published(publisher: RtmpPublisher): void;
};

/**
 * The RTMP listener. node-media-server's own server answers `NetStream.Publish.Start` before any
 * hook runs and exits the process when its port is taken, so we run its RTMP sessions (protocol,
 * stream fan-out) behind our own listener and decide publishes before they are answered.
 * Plays are for our bridge only: from loopback, with this server's play token.
 */
export class RtmpServer {
	readonly playToken = randomBytes(16).toString('hex');
	private readonly server = net.createServer((socket) => this.serve(socket));
	private readonly sockets = new Set<net.Socket>();

	constructor(
		private readonly gate: RtmpGate,
		private readonly log: Logger
	) {
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

	/** The URL our bridge reads a stream from. */
	playUrl(port: number, streamKey: string): string {
		return `rtmp://127.0.0.1:${port}/${RTMP_APP}/${streamKey}?token=${this.playToken}`;
	}

	async close(): Promise<void> {
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		for (const socket of this.sockets) socket.destroy();
		await closed;
	}

	private serve(socket: net.Socket): void {
		this.sockets.add(socket);
		socket.setNoDelay(true);
		socket.setTimeout(IDLE_TIMEOUT_MS, () => {
			this.log.warn({ address: socket.remoteAddress }, 'RTMP connection idle; dropped');
			socket.destroy();
		});
		socket.on('close', () => this.sockets.delete(socket));
		const session = new RtmpSession(socket);
		this.guardParser(session);
		this.gatePublish(session);
		this.gatePlay(session);
		session.run();
	}

	/** Malformed input can make node-media-server's parser throw inside a socket event: drop that connection, not the process. */
	private guardParser(session: RtmpSession): void {
		const parse = session.onData;
		session.onData = (data) => {
			try {
				parse(data);
			} catch (err) {
				this.log.warn({ address: session.socket.remoteAddress, err: String(err) }, 'malformed RTMP; connection dropped');
				session.socket.destroy();
			}
		};
	}

	private gatePublish(session: RtmpSession): void {
		const { rtmp, socket } = session;
		const start = rtmp.onPublish.bind(rtmp);
		const packetListeners: ((packet: AVPacket) => void)[] = [];
		const forward = session.onPacket;
		session.onPacket = (packet) => {
			forward(packet);
			for (const listener of packetListeners) listener(packet);
		};
		let asked = false;
		rtmp.onPublish = (message: InvokeMessage) => {
			// One publish per connection: a second would re-route node-media-server's session under us.
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
					// Gone while we checked: the ingest still hears of it, to free what it reserved.
					if (!socket.destroyed) start(message);
					// node-media-server would hold a finished publish for 30 s; our ingest ends shows at once.
					session.broadcast.publishGraceMs = 0;
					socket.resume();
					this.gate.published(publisherOf(session, streamKey, packetListeners));
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
		this.log.warn({ sessionId: session.id, address: session.socket.remoteAddress, code: refusal.code }, 'RTMP publish refused');
		// OBS shows BadName as "invalid stream key"; ffmpeg prints the description.
		session.rtmp.sendStatusMessage(streamId, 'error', 'NetStream.Publish.BadName', `${refusal.code}: ${refusal.message}`);
		session.socket.end();
	}

	private gatePlay(session: RtmpSession): void {
		const { rtmp, socket } = session;
		const play = rtmp.onPlay.bind(rtmp);
		rtmp.onPlay = (message: InvokeMessage) => {
			const query = new URLSearchParams(String(message.streamName ?? '').split('?')[1] ?? '');
			const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(socket.remoteAddress ?? '');
			if (!loopback || query.get('token') !== this.playToken) {
				this.log.warn({ address: socket.remoteAddress }, 'RTMP play refused');
				rtmp.sendStatusMessage(rtmp.parserPacket.header.stream_id, 'error', 'NetStream.Play.Failed', 'playing is not offered here');
				socket.end();
				return;
			}
			play(message);
		};
	}
}

function publisherOf(session: RtmpSession, streamKey: string, packetListeners: ((packet: AVPacket) => void)[]): RtmpPublisher {
	return {
		id: session.id,
		streamKey,
		address: session.socket.remoteAddress ?? '',
		get inBytes() {
			return session.inBytes;
		},
		get videoSize() {
			return { width: session.videoWidth, height: session.videoHeight };
		},
		get closed() {
			return session.socket.destroyed;
		},
		onPacket: (listener) => packetListeners.push(listener),
		onClose: (listener) => {
			if (session.socket.destroyed) queueMicrotask(listener);
			else session.socket.once('close', listener);
		},
		close: () => session.socket.destroy()
	};
}

/** node-media-server logs to the console at debug level; its lines go to our log at debug (errors as warnings). */
function routeNmsLogs(log: Logger): void {
	const nms = log.child({ component: 'node-media-server' });
	nmsLogger.log = (message: string, level = 'info') => {
		if (level === 'error' || level === 'warn') nms.warn(message);
		else nms.debug(message);
	};
}
