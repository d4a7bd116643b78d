// The parts of node-media-server 4.4 (no types of its own) that the RTMP ingest uses.

declare module 'node-media-server/src/core/avpacket.js' {
	/** One FLV/RTMP media message. codec_type: 8 audio, 9 video, 18 script data. */
	export default class AVPacket {
		codec_id: number;
		codec_type: number;
		/** 0 audio sequence header, 1 audio frame, 2 video sequence header, 3 video keyframe, 4 other video frame, 5 metadata */
		flags: number;
		pts: number;
		dts: number;
		size: number;
		data: Buffer;
	}
}

declare module 'node-media-server/src/protocol/rtmp.js' {
	export type InvokeMessage = { cmd: string; streamName: string; transId: number; cmdObj?: { tcUrl?: string; app?: string } | null };
	export default class Rtmp {
		streamApp: string;
		streamName: string;
		streamId: number;
		parserPacket: { header: { stream_id: number } };
		onOutputCallback: (buffer: Buffer) => void;
		sendInvokeMessage(streamId: number, message: object): void;
		onPublish(message: InvokeMessage): void;
		onPlay(message: InvokeMessage): void;
		sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
	}
}

declare module 'node-media-server/src/session/rtmp_session.js' {
	import type { Socket } from 'node:net';
	import type AVPacket from 'node-media-server/src/core/avpacket.js';
	import type Rtmp from 'node-media-server/src/protocol/rtmp.js';
	export default class RtmpSession {
		constructor(socket: Socket);
		readonly id: string;
		readonly socket: Socket;
		readonly rtmp: Rtmp;
		streamApp: string;
		streamName: string;
		streamPath: string;
		inBytes: number;
		/** From the publisher's onMetaData, 0 until it arrives. */
		videoWidth: number;
		videoHeight: number;
		isPublisher: boolean;
		broadcast: { publishGraceMs: number };
		run(): void;
		onData: (data: Buffer) => void;
		onPacket: (packet: AVPacket) => void;
		close(): void;
	}
}

declare module 'node-media-server/src/core/logger.js' {
	const logger: { level: string; log(message: string, level?: string): void };
	export default logger;
}
