import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export type EmbeddedRedis = { socketPath: string; stop(): Promise<void> };

const REDIS_BIN = 'redis-server';
const START_TIMEOUT_MS = 10_000;

export class RedisMissingError extends Error {
	constructor() {
		super(
			'redis-server was not found. Either install it (`sudo apt-get install redis-server`, or `npm run setup`), ' +
				'or point Gigstage at a running Redis with REDIS_URL=redis://host:6379.'
		);
		this.name = 'RedisMissingError';
	}
}

/**
 * Starts a private redis-server for this Gigstage process: append-only persistence under
 * `dataDir`, reachable only through a Unix socket there, stopped when we stop.
 */
export async function startEmbeddedRedis(dataDir: string, log: Logger): Promise<EmbeddedRedis> {
	const dir = path.resolve(dataDir, 'redis');
	await mkdir(dir, { recursive: true, mode: 0o700 });
	const socket = path.join(dir, 'redis.sock');
	const child = spawn(
		REDIS_BIN,
		[
			'--port', '0', // no TCP: the socket file's permissions are the access control
			'--unixsocket', socket,
			'--unixsocketperm', '700',
			'--dir', dir,
			'--appendonly', 'yes',
			'--appendfsync', 'everysec',
			'--save', '',
			'--daemonize', 'no',
			'--loglevel', 'notice' // prints the ready line we wait for
		],
		{ stdio: ['ignore', 'pipe', 'pipe'] }
	);
	await waitUntilReady(child);
	// However this process ends (but SIGKILL), its private Redis goes with it and saves its file.
	const stopOnExit = () => child.kill('SIGTERM');
	process.once('exit', stopOnExit);
	log.info({ socket, dir }, 'embedded redis-server started');
	return {
		socketPath: socket,
		stop: () => {
			process.off('exit', stopOnExit);
			return stop(child);
		}
	};
}

function waitUntilReady(child: ChildProcess): Promise<void> {
	return new Promise((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
		const fail = (error: Error) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(error);
		};
		child.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ENOENT' ? new RedisMissingError() : error));
		const onExit = (code: number | null) => fail(new Error(`redis-server exited with code ${code}:\n${output}`));
		child.once('exit', onExit);
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			if (!/ready to accept connections/i.test(output)) return;
			clearTimeout(timer);
			child.off('exit', onExit);
			// From here on its output is of no interest, but the pipes must keep draining.
			child.stdout!.off('data', onData).resume();
			child.stderr!.off('data', onData).resume();
			resolve();
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
	});
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		child.kill('SIGTERM'); // redis-server flushes the append-only file on SIGTERM
	});
}
