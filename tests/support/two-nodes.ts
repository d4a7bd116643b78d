/**
 * Several Gigstage nodes sharing one Redis, each in its own process, as in a deployment behind a
 * load balancer. Each node is a real `createServer` (Socket.IO with the Redis adapter, one
 * mediasoup worker); a node can be stopped cleanly or killed, to see what a dead node leaves.
 *
 * The nodes get `REDIS_URL=redis://127.0.0.1:<port>`: the configuration takes only redis:// URLs,
 * so the shared redis-server listens on a loopback TCP port rather than the embedded Unix socket.
 *
 * No vitest import here: this module is also the entry of each node's process (`serveNode`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import type { RequestHandler } from 'express';

const root = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export type SharedRedis = { url: string; stop(): Promise<void> };

export type GigstageNode = {
	name: string;
	url: string;
	/** Everything the node printed, for failure messages. */
	logs: string[];
	/** SIGTERM: the node closes its connections and takes its viewers out of the counts. */
	stop(): Promise<void>;
	/** SIGKILL: the node vanishes without a word, as after a crash or a power cut. */
	kill(): Promise<void>;
};

/** A throwaway redis-server on a free loopback port: no persistence, gone when stopped. */
export async function startSharedRedis(): Promise<SharedRedis> {
	const port = await freePort();
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	await waitForLine(child, /ready to accept connections/i, 'redis-server');
	return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child, 'SIGTERM') };
}

/** One Gigstage node on a free port, using the Redis at `redisUrl`; `nodeArgs` go to node (e.g. `--import` of a test probe). */
export async function startNode(name: string, redisUrl: string, env: Record<string, string> = {}, options: { nodeArgs?: string[] } = {}): Promise<GigstageNode> {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), `gigstage-${name}-`));
	const entry = `import(${JSON.stringify(pathToFileURL(fileURLToPath(import.meta.url)).href)}).then((m) => m.serveNode())`;
	const child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), '--input-type=module', '-e', entry], {
		cwd: root,
		env: {
			...process.env,
			REDIS_URL: redisUrl,
			DATA_DIR: dataDir,
			PORT: '0',
			HOST: '127.0.0.1',
			RTC_LISTEN_IP: '127.0.0.1',
			RTC_PORT: '0',
			MEDIASOUP_WORKERS: '1',
			LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const logs: string[] = [];
	const line = await waitForLine(child, /^\{"listening":\d+\}$/, `node ${name}`, logs);
	const { listening } = JSON.parse(line) as { listening: number };
	const done = async (signal: NodeJS.Signals) => {
		await stopChild(child, signal);
		rmSync(dataDir, { recursive: true, force: true });
	};
	return { name, url: `http://127.0.0.1:${listening}`, logs, stop: () => done('SIGTERM'), kill: () => done('SIGKILL') };
}

/** The entry of a node's process: serves Socket.IO (no web pages) and says its port on stdout. */
export async function serveNode(): Promise<void> {
	const { loadConfig } = await import('../../server/config.js');
	const { createServer } = await import('../../server/app.js');
	const config = loadConfig(process.env);
	const log = pino({ level: config.LOG_LEVEL }, pino.destination(2));
	const notFound: RequestHandler = (_req, res) => void res.status(404).end();
	const server = await createServer(config, log, notFound);
	const port = await server.listen();
	process.stdout.write(`${JSON.stringify({ listening: port })}\n`);
	process.once('SIGTERM', () => {
		server.close().then(
			() => process.exit(0),
			() => process.exit(1)
		);
	});
}

/** A TCP port nothing listens on now, on loopback. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

/** Resolves with the first output line matching `ready`; fails with the output if the process exits or is slow. */
function waitForLine(child: ChildProcess, ready: RegExp, what: string, logs: string[] = []): Promise<string> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => fail(`${what} did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
		const fail = (why: string) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(new Error(`${why}:\n${logs.join('\n')}`));
		};
		child.once('error', (error) => fail(`${what} could not start (${error.message})`));
		child.once('exit', (code) => fail(`${what} exited with ${code} before it was ready`));
		let found = false;
		const buffers = new Map<NodeJS.ReadableStream, string>();
		const onData = (stream: NodeJS.ReadableStream) => (chunk: Buffer) => {
			const lines = ((buffers.get(stream) ?? '') + chunk.toString()).split('\n');
			buffers.set(stream, lines.pop() ?? '');
			for (const line of lines) {
				logs.push(line);
				if (found || !ready.test(line)) continue;
				found = true;
				clearTimeout(timer);
				child.removeAllListeners('exit');
				resolve(line);
			}
		};
		// Read to the end: a full pipe would block the process.
		child.stdout!.on('data', onData(child.stdout!));
		child.stderr!.on('data', onData(child.stderr!));
	});
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill(signal);
	});
}
