import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import type { Router } from 'mediasoup/node/lib/Router';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { PlainTransport } from 'mediasoup/node/lib/PlainTransport';

/** A real VP8 stream into a router: ffmpeg's test pattern sent as RTP to a PlainTransport producer. */
export type RtpSource = { producer: Producer; transport: PlainTransport; stop(): Promise<void> };

export async function startVp8Source(router: Router, ssrc = 1234_5678): Promise<RtpSource> {
	const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
	const producer = await transport.produce({
		kind: 'video',
		rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] },
		appData: { source: 'camera' }
	});
	const port = transport.tuple.localPort;
	const child: ChildProcess = spawn(
		'ffmpeg',
		['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15', '-an', '-f', 'rtp', '-payload_type', '101', '-ssrc', String(ssrc), '-rtpflags', 'skip_rtcp', `rtp://127.0.0.1:${port}?pkt_size=1200`],
		{ stdio: 'ignore' }
	);
	return {
		producer,
		transport,
		stop: async () => {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGKILL');
				await exited;
			}
			transport.close();
		}
	};
}

/** A plain RTP receiver of one producer in `router`: counts the RTP packets that reach it. */
export type RtpSink = { packets(): number; close(): void };

export async function rtpSink(router: Router, producerId: string): Promise<RtpSink> {
	const socket = dgram.createSocket('udp4');
	let packets = 0;
	// RTCP shares the port (rtcp-mux): its packet types are 200-206, where RTP has marker + payload type.
	socket.on('message', (packet) => (packet[1]! < 200 || packet[1]! > 206) && packets++);
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
	await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
	const consumer = await transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities });
	void consumer.requestKeyFrame().catch(() => {});
	return {
		packets: () => packets,
		close: () => {
			transport.close();
			socket.close();
		}
	};
}

/** Resolves once `sink` received `more` packets beyond what it had; fails saying `what` did not happen. */
export async function packetsArrive(sink: RtpSink, what: string, more = 20, ms = 8000): Promise<void> {
	const start = sink.packets();
	const deadline = Date.now() + ms;
	while (sink.packets() < start + more) {
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what} (${sink.packets() - start} packets arrived)`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

/** How many packets reach `sink` over `ms`. */
export async function packetsOver(sink: RtpSink, ms: number): Promise<number> {
	const start = sink.packets();
	await new Promise((r) => setTimeout(r, ms));
	return sink.packets() - start;
}

/** Resolves once nothing reaches `sink` for a quiet window (packets already on their way may still land first). */
export async function flowStops(sink: RtpSink, what: string, quietMs = 500, ms = 8000): Promise<void> {
	const deadline = Date.now() + ms;
	while ((await packetsOver(sink, quietMs)) > 0) {
		if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
	}
}
