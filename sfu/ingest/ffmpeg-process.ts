import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

export type FfmpegExit = { code: number | null; signal: NodeJS.Signals | null; stderr: string[] };

// Lines of ffmpeg's own output kept to explain an exit in the log.
const STDERR_LINES = 20;
const TERM_MS = 500;
const KILL_MS = 3000;

/** One ffmpeg run, reading what it is fed on stdin: started at once, stopped politely, then firmly. */
export class FfmpegProcess {
	readonly exited: Promise<FfmpegExit>;
	private readonly child: ChildProcess;
	private readonly stderr: string[] = [];

	constructor(ffmpegPath: string, args: string[]) {
		this.child = spawn(ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
		// Writes after ffmpeg died fail with EPIPE: its exit says what happened.
		this.child.stdin!.on('error', () => {});
		this.child.stderr!.setEncoding('utf8');
		this.child.stderr!.on('data', (chunk: string) => {
			for (const line of chunk.split('\n')) if (line.trim()) this.stderr.push(line.trim());
			this.stderr.splice(0, Math.max(0, this.stderr.length - STDERR_LINES));
		});
		this.exited = new Promise((resolve) => {
			// 'error' without 'exit' when the binary cannot start at all (ENOENT).
			this.child.once('error', (err) => {
				this.stderr.push(err.message);
				if (this.child.exitCode === null && this.child.pid === undefined) resolve({ code: null, signal: null, stderr: this.stderr });
			});
			this.child.once('exit', (code, signal) => resolve({ code, signal, stderr: this.stderr }));
		});
	}

	/** What ffmpeg reads its input from. */
	get stdin(): Writable {
		return this.child.stdin!;
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	get running(): boolean {
		return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** The end of its input lets ffmpeg finish by itself; SIGTERM if it does not, then SIGKILL. */
	async stop(): Promise<FfmpegExit> {
		if (this.running) {
			this.child.stdin!.destroy();
			const term = setTimeout(() => this.child.kill('SIGTERM'), TERM_MS);
			const kill = setTimeout(() => this.child.kill('SIGKILL'), KILL_MS);
			await this.exited;
			clearTimeout(term);
			clearTimeout(kill);
		}
		return this.exited;
	}
}

/** Whether `ffmpegPath` runs and has what the bridge needs; a reason when it does not. */
export async function checkFfmpeg(ffmpegPath: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
	const run = (args: string[]) =>
		new Promise<{ out: string; ok: boolean }>((resolve) => {
			let out = '';
			const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
			child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
			child.once('error', (err) => resolve({ out: err.message, ok: false }));
			child.once('exit', (code) => resolve({ out, ok: code === 0 }));
		});
	const version = await run(['-hide_banner', '-version']);
	if (!version.ok) return { ok: false, reason: `cannot run ${ffmpegPath}: ${version.out.trim() || 'it failed'}` };
	const encoders = await run(['-hide_banner', '-encoders']);
	for (const needed of ['libopus', 'libvpx']) {
		if (!new RegExp(`\\b${needed}\\b`).test(encoders.out)) return { ok: false, reason: `${ffmpegPath} has no ${needed} encoder` };
	}
	return { ok: true, version: version.out.split('\n')[0] ?? 'ffmpeg' };
}
