import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
	url: string;
	pid: number;
	logs: string[];
	/** Its data directory; its embedded Redis listens on `<dataDir>/redis/redis.sock`. */
	dataDir: string;
	stop(): Promise<void>;
};

/**
 * Runs the production entry (`server/main.ts`, serving the built app) as its own process on a
 * free loopback port, the way `npm start` does, and resolves once it logs that it is up.
 * `nodeArgs` go to node before the entry (e.g. `--import` of a test probe).
 */
export async function startServerProcess(env: Record<string, string> = {}, options: { nodeArgs?: string[] } = {}): Promise<ServerProcess> {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-e2e-'));
	const child = spawn(process.execPath, ['--import', 'tsx', ...(options.nodeArgs ?? []), 'server/main.ts'], {
		cwd: root,
		env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', RTC_LISTEN_IP: '127.0.0.1', RTC_PORT: '0', MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'info', ...env },
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const logs: string[] = [];
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
		stop: async () => {
			await stop(child);
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
