import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './two-nodes.js';

/**
 * A redis-server the test controls, as an operator's Redis at REDIS_URL would run: on a loopback
 * TCP port, append-only with `appendfsync always`. It can be killed (SIGKILL), frozen (SIGSTOP)
 * and started again on the same port and files, to see what Gigstage does meanwhile.
 */
export type ExternalRedis = {
	url: string;
	port: number;
	/** Whether it runs now. */
	readonly running: boolean;
	/** SIGKILL: gone at once, as after a crash; its file keeps what it acknowledged. */
	kill(): Promise<void>;
	/** Starts it again on the same port, from its append-only file. */
	start(): Promise<void>;
	freeze(): void;
	thaw(): void;
	/** Stops it for good and removes its files. */
	close(): Promise<void>;
};

export async function startExternalRedis(): Promise<ExternalRedis> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-redis-'));
	const port = await freePort();
	let child: ChildProcess | null = null;
	const start = async () => {
		child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--loglevel', 'notice'], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		await ready(child);
	};
	const kill = async () => {
		const running = child;
		child = null;
		if (!running || running.exitCode !== null || running.signalCode !== null) return;
		running.kill('SIGCONT');
		const exited = new Promise((resolve) => running.once('exit', resolve));
		running.kill('SIGKILL');
		await exited;
	};
	await start();
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		get running() {
			return child !== null;
		},
		kill,
		start,
		freeze: () => child?.kill('SIGSTOP'),
		thaw: () => child?.kill('SIGCONT'),
		async close() {
			await kill();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

function ready(child: ChildProcess): Promise<void> {
	return new Promise((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
		child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			if (!/ready to accept connections/i.test(output)) return;
			clearTimeout(timer);
			child.removeAllListeners('exit');
			resolve();
		};
		// Keep reading to the end: a full pipe would block it.
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
	});
}
