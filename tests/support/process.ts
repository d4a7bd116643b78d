import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureWebApp } from './web-app.js';
import type { Netns } from './netns.js';
import { stopOnExit } from './children.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
	url: string;
	pid: number;
	logs: string[];
	/** Its data directory; its embedded Redis listens on `<dataDir>/redis/redis.sock`. */
	dataDir: string;
	/** Resolves when the process has exited, however it ended. */
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** SIGTERM (SIGKILL after 5 s); removes the data directory unless it was given. */
	stop(): Promise<void>;
	/** SIGKILL, as a crash or the OOM killer would; keeps the data directory. */
	kill(): Promise<void>;
};

export type ServerProcessOptions = {
	/** Runs it inside this network namespace, on the default HTTP port and media address. */
	netns?: Netns;
	/** Go to node before the entry (e.g. `--import` of a test probe). */
	nodeArgs?: string[];
	/** Use this data directory (kept after stop) instead of a fresh temporary one: a restart finds its data. */
	dataDir?: string;
	/** Runs node under another command (e.g. in its own mount namespace); it must exec what it is given. */
	wrap?: (command: string[]) => string[];
};

// On the machine's own network a test server keeps HTTP and media on loopback and takes free ports.
const LOOPBACK = { PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0' };
// What decides where media goes: in a namespace of its own the server runs on its defaults.
const ADDRESS_SETTINGS = ['PORT', 'HOST', 'RTC_LISTEN_IP', 'RTC_ANNOUNCED_ADDRESS', 'RTC_PORT', 'RTMP_PORT', 'RTMP_HOST'];

/**
 * Runs the production entry (`server/main.ts`, serving the built app) as its own process, the way
 * `npm start` does, and resolves once it logs that it is up: on a free loopback port, or inside
 * `netns` with the default HTTP port and media address (its first network address, detected).
 * `nodeArgs` go to node before the entry (e.g. `--import` of a test probe).
 */
export async function startServerProcess(env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
	ensureWebApp();
	const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'gigstage-e2e-'));
	const inherited = options.netns ? Object.fromEntries(Object.entries(process.env).filter(([name]) => !ADDRESS_SETTINGS.includes(name))) : process.env;
	const argv = (options.wrap ?? ((c) => c))([process.execPath, '--import', 'tsx', ...(options.nodeArgs ?? []), 'server/main.ts']);
	const [command, ...args] = options.netns ? options.netns.command(argv) : argv;
	const child = stopOnExit(spawn(command!, args, {
		cwd: root,
		env: { ...inherited, DATA_DIR: dataDir, ...(options.netns ? {} : LOOPBACK), MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'info', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	}));
	const logs: string[] = [];
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${logs.join('\n')}`)), 30_000);
		let buffered = '';
		const onData = (chunk: Buffer) => {
			buffered += chunk.toString();
			const lines = buffered.split('\n');
			buffered = lines.pop() ?? '';
			for (const line of lines) {
				logs.push(line);
				const up = /"url":"http:\/\/localhost:(\d+)".*Gigstage is up/.exec(line);
				if (up) {
					clearTimeout(timer);
					resolve(Number(up[1]));
				}
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`server exited with ${code} before it was up:\n${logs.join('\n')}`));
		});
	});
	return {
		url: `http://127.0.0.1:${port}`,
		pid: child.pid!,
		logs,
		dataDir,
		exited,
		stop: async () => {
			await stop(child);
			if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
		},
		kill: async () => {
			child.kill('SIGKILL');
			await exited;
		}
	};
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
