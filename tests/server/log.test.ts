import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/media.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the production entry with its stdout on a terminal (`script` gives it one) or a pipe, until it is up. */
async function startUp(terminal: boolean, env: Record<string, string>): Promise<string> {
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-log-'));
	const command = `${JSON.stringify(process.execPath)} --import tsx server/main.ts`;
	const child = terminal
		? spawn('script', ['-qec', command, '/dev/null'], { cwd: root, detached: true, env: { ...process.env, ...env, DATA_DIR: dataDir } })
		: spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: root, detached: true, env: { ...process.env, ...env, DATA_DIR: dataDir } });
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	try {
		await waitFor(`the server says it is up:\n${output}`, () => output.includes('Gigstage is up'), 30_000);
		return output;
	} finally {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		process.kill(-child.pid!, 'SIGTERM');
		await exited;
		rmSync(dataDir, { recursive: true, force: true });
	}
}

const SERVER = { PORT: '0', HOST: '127.0.0.1', RTC_PORT: '0', RTMP_PORT: '0', MEDIASOUP_WORKERS: '1', LOG_LEVEL: 'info' };

describe('start-up logs', () => {
	it('are readable lines in a terminal, even with CI set in the shell', async () => {
		const output = await startUp(true, { ...SERVER, CI: 'true', LOG_FORMAT: '' });
		const up = output.split('\n').find((line) => line.includes('Gigstage is up'))!;
		expect(up).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*Gigstage is up/);
		expect(up.trim().startsWith('{')).toBe(false);
	}, 40_000);

	it('are JSON lines when stdout is a pipe', async () => {
		const output = await startUp(false, { ...SERVER, LOG_FORMAT: '' });
		const up = output.split('\n').find((line) => line.includes('Gigstage is up'))!;
		expect(JSON.parse(up)).toMatchObject({ level: 30, msg: 'Gigstage is up', service: 'gigstage' });
	}, 40_000);

	it('follow LOG_FORMAT when it is set', async () => {
		const output = await startUp(true, { ...SERVER, LOG_FORMAT: 'json' });
		const up = output.split('\n').find((line) => line.includes('Gigstage is up'))!;
		expect(JSON.parse(up.trim())).toMatchObject({ msg: 'Gigstage is up' });
	}, 40_000);
});
