/**
 * A real WebRTC viewer in Node for the fan-out benchmark: @roamhq/wrtc (libwebrtc) with
 * mediasoup-client, over the same `/media` signaling as the watch page. It asks for the lowest
 * simulcast layer (the painted clock's blocks read as well at 320x180, and ten decoders stay cheap
 * on a small machine) and reads the clock off every decoded frame.
 */
import wrtc from '@roamhq/wrtc';
import { io, type Socket } from 'socket.io-client';
import { MEDIA_NAMESPACE, type ConsumeResult, type JoinResult, type TransportResult } from '../src/lib/signaling/messages.js';
import { check8, CLOCK_FRAME as FRAME } from './frame-clock.js';

/** How far behind the painted clock each decoded frame was, collected while `collecting`. */
export type Receiver = { latencies: number[]; collecting: boolean; frames: number; close(): void };

type I420Frame = { width: number; height: number; data: Uint8ClampedArray };

let installed = false;
/** mediasoup-client looks for the browser's WebRTC classes on the global object. */
function installWrtc(): void {
	if (installed) return;
	installed = true;
	const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, MediaStream, MediaStreamTrack } = wrtc;
	Object.assign(globalThis, { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, MediaStream, MediaStreamTrack });
}

async function request<T>(socket: Socket, name: string, payload: unknown): Promise<T> {
	const answer = (await socket.timeout(10_000).emitWithAck(name, payload)) as { ok: T } | { error: { code: string; message: string } };
	if ('error' in answer) throw new Error(`${name}: ${answer.error.code} ${answer.error.message}`);
	return answer.ok;
}

/** The painted clock's 24-bit time off a frame's luma, or null when its check bits fail. */
export function readClock({ width, height, data }: I420Frame): number | null {
	const [w, h] = [width / FRAME.cols, height / FRAME.rows];
	let word = 0;
	for (let i = 0; i < FRAME.cols * FRAME.rows; i++) {
		const x = Math.floor(((i % FRAME.cols) + 0.5) * w);
		const y = Math.floor((Math.floor(i / FRAME.cols) + 0.5) * h);
		word = word * 2 + ((data[y * width + x] ?? 0) > 127 ? 1 : 0);
	}
	const value = Math.floor(word / 256);
	return check8(value) === word % 256 ? value : null;
}

export async function startReceiver(url: string, cookie: string, gigId: string): Promise<Receiver> {
	installWrtc();
	const { Device } = await import('mediasoup-client');
	const socket = io(url + MEDIA_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie, origin: url } });
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('connect_error', reject);
	});
	const joined = await request<JoinResult>(socket, 'join', { gigId, role: 'viewer' });
	const device = new Device({ handlerName: 'Chrome111' });
	await device.load({ routerRtpCapabilities: joined.rtpCapabilities as never });
	const info = await request<TransportResult>(socket, 'transport:create', { direction: 'recv' });
	const transport = device.createRecvTransport(info as never);
	transport.on('connect', ({ dtlsParameters }, done, fail) => void request(socket, 'transport:connect', { transportId: transport.id, dtlsParameters }).then(() => done(), fail));
	const receiver: Receiver = { latencies: [], collecting: false, frames: 0, close: () => {} };
	const sinks: { stop(): void }[] = [];
	for (const track of joined.show.tracks.filter((t) => t.participant.role === 'host' && (t.source === 'camera' || t.source === 'microphone'))) {
		const c = await request<ConsumeResult>(socket, 'consume', { transportId: transport.id, producerId: track.producerId, rtpCapabilities: device.recvRtpCapabilities });
		const consumer = await transport.consume({ id: c.id, producerId: c.producerId, kind: c.kind, rtpParameters: c.rtpParameters as never });
		if (c.kind === 'video') {
			await request(socket, 'consumer:layers', { consumerId: c.id, spatialLayer: 0 });
			const sink = new wrtc.nonstandard.RTCVideoSink(consumer.track as never);
			sink.onframe = ({ frame }: { frame: I420Frame }) => {
				receiver.frames++;
				if (!receiver.collecting) return;
				const at = Date.now();
				const value = readClock(frame);
				// Both ends read one clock; only its low 24 bits were painted (they wrap every ~4.7 h).
				if (value !== null) receiver.latencies.push((at - value + 0x1000000) % 0x1000000);
			};
			sinks.push(sink);
		}
		await request(socket, 'consumer:resume', { consumerId: c.id });
	}
	receiver.close = () => {
		for (const sink of sinks) sink.stop();
		transport.close();
		socket.disconnect();
	};
	return receiver;
}
