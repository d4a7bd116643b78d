import type { Writable } from 'node:stream';
import type AVPacket from 'node-media-server/src/core/avpacket.js';
import Flv from 'node-media-server/src/protocol/flv.js';
import { FeedReader, type AttachOptions, type FeedAttachment, type Tag, type Tracks } from './feed-reader.js';

const AUDIO = 8;
const VIDEO = 9;
const FLAG = { audioHeader: 0, videoHeader: 2, keyframe: 3, frame: 4, metadata: 5 } as const;
const FLV_CODEC_H264 = 7;
// A stream without keyframes for this long is not cached (a reader then waits for the next one).
const GOP_MAX_BYTES = 16 * 1024 * 1024;

/**
 * A publisher's stream as FLV for the bridge's ffmpeg to read on its stdin. Nothing on a command
 * line, no port and no URL: no other local process can play the stream. Keeps what a reader that
 * starts mid-stream needs (metadata, codec headers, the frames since the last keyframe), so a
 * restarted bridge starts on a picture.
 */
export class FlvFeed {
	private metadata: Buffer | null = null;
	private audioHeader: Buffer | null = null;
	private videoHeader: Buffer | null = null;
	private gop: Tag[] = [];
	private gopBytes = 0;
	private nalLengthSize = 4;
	private readonly readers = new Set<FeedReader>();

	/** Takes one media message from the publisher (synchronously: node-media-server reuses its buffers). */
	see(packet: AVPacket): void {
		const kind = packet.codec_type === VIDEO ? 'video' : packet.codec_type === AUDIO ? 'audio' : 'data';
		const h264Frame = kind === 'video' && packet.codec_id === FLV_CODEC_H264 && packet.flags === FLAG.frame;
		const tag: Tag = {
			bytes: Flv.createMessage(packet),
			dts: packet.dts,
			kind,
			keyframe: kind === 'video' && packet.flags === FLAG.keyframe,
			droppable: h264Frame && nonReference(packet.data.subarray(0, packet.size), this.nalLengthSize)
		};
		if (packet.flags === FLAG.metadata) this.metadata = tag.bytes;
		else if (packet.flags === FLAG.audioHeader && kind === 'audio') this.audioHeader = tag.bytes;
		else if (packet.flags === FLAG.videoHeader && kind === 'video') {
			this.videoHeader = tag.bytes;
			// lengthSizeMinusOne, in the low bits of the AVC record's fifth byte.
			if (packet.codec_id === FLV_CODEC_H264 && packet.size > 9) this.nalLengthSize = ((packet.data[9] ?? 3) & 3) + 1;
		} else this.cache(tag);
		for (const reader of this.readers) reader.offer(tag);
	}

	/**
	 * Writes the stream's `tracks` to `sink` (an FLV header saying which, the codec headers, the
	 * frames since the last keyframe, then all that follows) until the returned function is called.
	 */
	attach(sink: Writable, tracks: Tracks, options: AttachOptions = {}): FeedAttachment {
		const reader = new FeedReader(sink, tracks, options, () => this.readers.delete(reader));
		const headers = [this.metadata, tracks.audio ? this.audioHeader : null, tracks.video ? this.videoHeader : null];
		reader.start(Flv.createHeader(tracks.audio, tracks.video), headers.filter((b): b is Buffer => b !== null));
		// Video starts on the last keyframe; sound starts now (old sound in a burst would have
		// viewers' jitter buffers speed it up, audibly).
		for (const tag of this.gop) if (tag.kind === 'video') reader.offer(tag);
		this.readers.add(reader);
		return { detach: () => reader.detach(), readDts: () => reader.readDts() };
	}

	private cache(tag: Tag): void {
		if (tag.keyframe) {
			this.gop = [];
			this.gopBytes = 0;
		}
		if (this.gop.length === 0 && !tag.keyframe) return; // nothing worth replaying before a keyframe
		this.gop.push(tag);
		this.gopBytes += tag.bytes.length;
		if (this.gopBytes > GOP_MAX_BYTES) {
			this.gop = [];
			this.gopBytes = 0;
		}
	}
}

/** Whether every picture slice in an FLV AVC frame tag has nal_ref_idc 0: no frame refers to it, so leaving it out harms no other. */
function nonReference(data: Buffer, nalLengthSize: number): boolean {
	let at = 5; // frame type/codec, AVCPacketType, composition time
	let slices = 0;
	while (at + nalLengthSize <= data.length) {
		const size = data.readUIntBE(at, nalLengthSize);
		at += nalLengthSize;
		if (size <= 0 || at + size > data.length) return false;
		const header = data[at]!;
		const type = header & 0x1f;
		if (type >= 1 && type <= 5) {
			if ((header & 0x60) !== 0) return false;
			slices++;
		}
		at += size;
	}
	return slices > 0;
}
