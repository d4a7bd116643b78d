import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Router } from 'mediasoup/node/lib/Router';
import type { Producer } from 'mediasoup/node/lib/Producer';
import type { Consumer } from 'mediasoup/node/lib/Consumer';
import type { PipeTransport } from 'mediasoup/node/lib/PipeTransport';
import type { RtpParameters } from 'mediasoup/node/lib/RtpParameters';
import type { SrtpParameters } from 'mediasoup/node/lib/SrtpParameters';
import type { Logger } from 'pino';
import type { NodeChannel } from './node-channel.js';
import { KEY_FRAME_REQUEST_DELAY_MS } from './keyframes.js';

/** Where this node's end of a pipe between nodes listens, and what it tells the other end. */
export type PipeSettings = {
	listenIp: string;
	/** The address other nodes send to (an IP, or a name they resolve). */
	announcedAddress: string;
	/** SRTP on pipes, for networks between nodes that are not trusted. */
	srtp: boolean;
};

/** A producer published on this node, and the router it lives in. */
export type LocalProducer = { producer: Producer; router: Router };

const id = z.string().min(1).max(64);
const srtp = z.object({ cryptoSuite: z.string().max(64), keyBase64: z.string().max(256) }).optional();
const address = z.string().regex(/^[a-zA-Z0-9.:-]{1,255}$/);
const port = z.number().int().min(1).max(65535);
const producerRef = z.object({ gigId: id, producerId: id });

/** The node-to-node protocol, one schema per message: its single front door is `NodePipes.answer`/`hear`. */
const requests = {
	'pipe:open': producerRef.extend({ ip: address, port, srtp })
};
const notices = {
	'pipe:pause': producerRef,
	'pipe:resume': producerRef,
	'pipe:close': producerRef
};
const openAnswer = z.object({
	ip: address,
	port,
	srtp,
	kind: z.enum(['audio', 'video']),
	rtpParameters: z.looseObject({ codecs: z.array(z.looseObject({})).min(1).max(16) }),
	paused: z.boolean(),
	appData: z.looseObject({})
});

type Export = { transport: PipeTransport; consumer: Consumer; node: string; closedByPeer: boolean };
type Import = { producer: Producer; router: Router; origin: string; closedByOrigin: boolean };

// How often pipes to nodes that stopped beating are closed (their heartbeat lapsed).
const DEAD_NODE_CHECK_MS = 3000;

/**
 * Producers crossing nodes. A node with viewers of a producer published elsewhere imports it once:
 * it opens a PipeTransport, asks the origin node to open the other end and consume the producer
 * into it, and produces it with the same id on its side (RTX on, SRTP when configured); from
 * there its own routers get it with `pipeToRouter`. Pause, resume and close follow from the
 * origin; closing on either side closes the other. Pipes to a node that died are closed.
 */
export class NodePipes {
	private readonly imports = new Map<string, Promise<Import>>();
	/** Imports that arrived, for questions that cannot wait (is a router still needed?). */
	private readonly landed = new Map<string, Import>();
	private readonly exports = new Map<string, Export>();
	private readonly timer: ReturnType<typeof setInterval>;

	constructor(
		private readonly channel: NodeChannel,
		private readonly settings: PipeSettings,
		private readonly findLocal: (gigId: string, producerId: string) => LocalProducer | undefined,
		private readonly log: Logger
	) {
		channel.serve({ request: (from, name, payload) => this.answer(from, name, payload), notice: (from, name, payload) => this.hear(from, name, payload) });
		this.timer = setInterval(() => void this.closeDeadNodes(), DEAD_NODE_CHECK_MS);
		this.timer.unref();
	}

	get nodeId(): string {
		return this.channel.nodeId;
	}

	/** Pipes bringing producers to this node, and taking this node's producers to others. */
	get counts(): { in: number; out: number } {
		return { in: this.imports.size, out: this.exports.size };
	}

	/**
	 * The producer `producerId` of `gigId`, published on `origin`, on this node: imported into
	 * `router` the first time, shared after that. Resolves with the router it lives in here.
	 */
	import(gigId: string, producerId: string, origin: string, router: Router): Promise<LocalProducer> {
		const key = `${gigId}/${producerId}`;
		let pending = this.imports.get(key);
		if (!pending) {
			pending = this.open(gigId, producerId, origin, router);
			this.imports.set(key, pending);
			pending.then(
				(imported) => {
					this.landed.set(key, imported);
					imported.producer.observer.once('close', () => {
						if (this.landed.get(key) === imported) this.landed.delete(key);
						if (this.imports.get(key) === pending) this.imports.delete(key);
					});
				},
				() => this.imports.get(key) === pending && this.imports.delete(key)
			);
		}
		return pending.then(({ producer, router: home }) => ({ producer, router: home }));
	}

	/** Whether a track imported from another node lives in `router` (other routers here may be fed from it). */
	livesIn(router: Router): boolean {
		for (const imported of this.landed.values()) if (imported.router === router) return true;
		return false;
	}

	close(): void {
		clearInterval(this.timer);
		for (const exported of this.exports.values()) exported.transport.close();
		this.exports.clear();
		for (const pending of this.imports.values()) void pending.then((i) => i.producer.close(), () => {});
		this.imports.clear();
	}

	private async open(gigId: string, producerId: string, origin: string, router: Router): Promise<Import> {
		const transport = await this.createTransport(router, { pipe: 'in', gigId, producerId, node: origin });
		let asked = false;
		try {
			asked = true;
			const answer = openAnswer.parse(
				await this.channel.request(origin, 'pipe:open', { gigId, producerId, ip: this.settings.announcedAddress, port: transport.tuple.localPort, srtp: transport.srtpParameters })
			);
			await transport.connect({ ip: await resolve(answer.ip), port: answer.port, srtpParameters: answer.srtp as SrtpParameters | undefined });
			const producer = await transport.produce({
				id: producerId,
				kind: answer.kind,
				rtpParameters: answer.rtpParameters as unknown as RtpParameters,
				paused: answer.paused,
				keyFrameRequestDelay: KEY_FRAME_REQUEST_DELAY_MS,
				appData: answer.appData
			});
			const imported: Import = { producer, router, origin, closedByOrigin: false };
			producer.observer.once('close', () => {
				transport.close();
				if (!imported.closedByOrigin) this.channel.notify(origin, 'pipe:close', { gigId, producerId });
			});
			transport.observer.once('close', () => producer.close());
			this.log.info({ gigId, producerId, origin, slot: router.appData.slot }, 'producer imported from another node');
			return imported;
		} catch (error) {
			transport.close();
			if (asked) this.channel.notify(origin, 'pipe:close', { gigId, producerId });
			throw error;
		}
	}

	/** Another node asks for one of this node's producers. */
	private async answer(from: string, name: string, payload: unknown): Promise<unknown> {
		if (name !== 'pipe:open') throw new Error(`unknown request "${name.slice(0, 40)}"`);
		const request = requests['pipe:open'].parse(payload);
		const local = this.findLocal(request.gigId, request.producerId);
		if (!local) throw new Error('PRODUCER_NOT_FOUND: that producer is not published on this node');
		// Encrypted when the asking node wants it; a node that wants it does not take a plain pipe.
		if (this.settings.srtp && !request.srtp) throw new Error('this node takes SRTP pipes only (set PIPE_SRTP=true on every node)');
		const key = `${from}/${request.gigId}/${request.producerId}`;
		this.exports.get(key)?.transport.close(); // the other node asks again: its earlier pipe is gone
		const transport = await this.createTransport(local.router, { pipe: 'out', gigId: request.gigId, producerId: request.producerId, node: from }, request.srtp !== undefined);
		try {
			await transport.connect({ ip: await resolve(request.ip), port: request.port, srtpParameters: request.srtp as SrtpParameters | undefined });
			const consumer = await transport.consume({ producerId: request.producerId });
			const exported: Export = { transport, consumer, node: from, closedByPeer: false };
			this.exports.set(key, exported);
			const ref = { gigId: request.gigId, producerId: request.producerId };
			consumer.on('producerpause', () => this.channel.notify(from, 'pipe:pause', ref));
			consumer.on('producerresume', () => this.channel.notify(from, 'pipe:resume', ref));
			consumer.observer.once('close', () => transport.close());
			transport.observer.once('close', () => {
				if (this.exports.get(key) === exported) this.exports.delete(key);
				if (!exported.closedByPeer) this.channel.notify(from, 'pipe:close', ref);
			});
			this.log.info({ ...ref, to: from }, 'producer exported to another node');
			return {
				ip: this.settings.announcedAddress,
				port: transport.tuple.localPort,
				srtp: transport.srtpParameters,
				kind: consumer.kind,
				rtpParameters: consumer.rtpParameters,
				paused: consumer.producerPaused,
				appData: local.producer.appData
			};
		} catch (error) {
			transport.close();
			throw error;
		}
	}

	private hear(from: string, name: string, payload: unknown): void {
		if (!Object.hasOwn(notices, name)) return this.log.warn({ from, name: name.slice(0, 40) }, 'unknown notice from another node');
		const parsed = notices[name as keyof typeof notices].safeParse(payload);
		if (!parsed.success) return this.log.warn({ from, name }, 'malformed notice from another node');
		const { gigId, producerId } = parsed.data;
		if (name === 'pipe:close') {
			// Either end may close: the importer no longer needs it, or the origin's producer ended.
			const exported = this.exports.get(`${from}/${gigId}/${producerId}`);
			if (exported) {
				exported.closedByPeer = true;
				exported.transport.close();
			}
		}
		void this.imports.get(`${gigId}/${producerId}`)?.then(
			(imported) => {
				if (imported.origin !== from) return;
				if (name === 'pipe:close') {
					imported.closedByOrigin = true;
					imported.producer.close();
				} else if (name === 'pipe:pause') void imported.producer.pause().catch(() => {});
				else void imported.producer.resume().catch(() => {});
			},
			() => {}
		);
	}

	private createTransport(router: Router, appData: Record<string, string>, srtp = this.settings.srtp): Promise<PipeTransport> {
		return router.createPipeTransport({ listenIp: this.settings.listenIp, enableRtx: true, enableSrtp: srtp, enableSctp: false, appData });
	}

	private async closeDeadNodes(): Promise<void> {
		const nodes = new Set([...this.exports.values()].map((e) => e.node));
		for (const pending of this.imports.values()) nodes.add((await pending.catch(() => null))?.origin ?? this.nodeId);
		nodes.delete(this.nodeId);
		for (const node of nodes) {
			if (await this.channel.alive(node).catch(() => true)) continue;
			this.log.warn({ node }, 'closing pipes of a node that stopped answering');
			for (const exported of this.exports.values()) {
				if (exported.node !== node) continue;
				exported.closedByPeer = true;
				exported.transport.close();
			}
			for (const pending of this.imports.values()) {
				void pending.then((imported) => {
					if (imported.origin !== node) return;
					imported.closedByOrigin = true;
					imported.producer.close();
				}, () => {});
			}
		}
	}
}

/** Pipe addresses may be names (a compose service, a host name): mediasoup connects to an IP. */
async function resolve(address: string): Promise<string> {
	return isIP(address) ? address : (await lookup(address)).address;
}
