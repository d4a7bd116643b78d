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
		parserPacket: { header: { stream_id: number; length: number; type: number }; payload: Buffer };
		/** Per chunk stream id, the message being assembled (each with its own payload buffer). */
		inPackets: Map<number, unknown>;
		inChunkSize: number;
		packetAlloc(): void;
		controlHandler(): void;
		invokeHandler(): void;
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

declare module 'node-media-server/src/protocol/amf.js' {
	export function decodeAmf0Data(data: Buffer): { cmd?: string; dataObj?: Record<string, unknown> | null };
	export function decodeAmf0Cmd(data: Buffer): { cmd?: string; transId?: number; streamName?: string };
}

declare module 'node-media-server/src/protocol/flv.js' {
	import type AVPacket from 'node-media-server/src/core/avpacket.js';
	export default class Flv {
		static createHeader(hasAudio: boolean, hasVideo: boolean): Buffer;
		/** One FLV tag (11-byte header, the data, the 4-byte previous-tag size), copied out of the packet. */
		static createMessage(packet: AVPacket): Buffer;
	}
}
