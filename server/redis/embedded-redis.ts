import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { stopStaleRedis } from './stale-redis.js';

/** How the embedded redis-server is doing: `restarting` after it died, until it is back. */
export type EmbeddedRedisState = 'running' | 'restarting' | 'stopped';

export type EmbeddedRedisReport = {
	state: EmbeddedRedisState;
	pid: number | null;
	/** Times it died and was started again since Gigstage started. */
	restarts: number;
	/** Why the last restart attempt failed, while it keeps failing. */
	lastFailure: string | null;
};

export type EmbeddedRedis = {
	socketPath: string;
	report(): EmbeddedRedisReport;
	stop(): Promise<void>;
};

export type EmbeddedRedisOptions = {
	/** Start it refusing writes (`min-replicas-to-write`): the disk is (almost) full. */
	readOnly?: () => boolean | Promise<boolean>;
	/** How durable an acknowledged write is; `always` (the default) fsyncs before every answer. */
	appendfsync?: 'always' | 'everysec';
};

const REDIS_BIN = 'redis-server';
// Until redis-server says it is up and loading its file; loading itself may take as long as the
// file is big (about a second per million keys), and is not cut short.
const START_TIMEOUT_MS = 10_000;
// First restart at once, then slower while it keeps dying or failing to start, up to 10 s apart.
const BACKOFF_MS = [0, 250, 500, 1000, 2000, 5000, 10_000];
// A death this long after the previous one is a new incident, not a crash loop: no waiting.
const CALM_MS = 10_000;

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
 * Starts a private redis-server for this Gigstage process and keeps it running: append-only
 * persistence under `dataDir` (fsynced before each answer by default), reachable only through a
 * Unix socket there, restarted from its append-only file with backoff if it dies, stopped when
 * we stop. A redis-server left running by a Gigstage that was killed is stopped first: two
 * servers must never append to the same file.
 */
export async function startEmbeddedRedis(dataDir: string, log: Logger, options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
	const dir = path.resolve(dataDir, 'redis');
	await mkdir(dir, { recursive: true, mode: 0o700 });
	const supervisor = new RedisSupervisor(dir, log, options);
	await supervisor.start();
	return supervisor;
}

class RedisSupervisor implements EmbeddedRedis {
	readonly socketPath: string;
	private readonly pidFile: string;
	private child: ChildProcess | null = null;
	private state: EmbeddedRedisState = 'stopped';
	private restarts = 0;
	private lastFailure: string | null = null;
	private recentDeaths = 0;
	private lastDeathAt = 0;
	private wakeStop: (() => void) | null = null;
	private readonly stopOnExit = () => this.child?.kill('SIGTERM');

	constructor(
		private readonly dir: string,
		private readonly log: Logger,
		private readonly options: EmbeddedRedisOptions
	) {
		this.socketPath = path.join(dir, 'redis.sock');
		this.pidFile = path.join(dir, 'redis.pid');
	}

	async start(): Promise<void> {
		const stale = await stopStaleRedis(this.pidFile);
		if (stale) this.log.warn({ pid: stale }, 'stopped a redis-server left running by an earlier Gigstage');
		this.adopt(await launch(await this.args()));
		// However this process ends (but SIGKILL), its private Redis goes with it and saves its file.
		process.once('exit', this.stopOnExit);
		this.log.info({ socket: this.socketPath, dir: this.dir, appendfsync: this.options.appendfsync ?? 'always' }, 'embedded redis-server started');
	}

	report(): EmbeddedRedisReport {
		return { state: this.state, pid: this.child?.pid ?? null, restarts: this.restarts, lastFailure: this.lastFailure };
	}

	async stop(): Promise<void> {
		this.state = 'stopped';
		process.off('exit', this.stopOnExit);
		this.wakeStop?.();
		const child = this.child;
		this.child = null;
		if (child) await terminate(child);
	}

	private async args(): Promise<string[]> {
		const readOnly = await this.options.readOnly?.();
		return [
			'--port', '0', // no TCP: the socket file's permissions are the access control
			'--unixsocket', this.socketPath,
			'--unixsocketperm', '700',
			'--dir', this.dir,
			'--pidfile', this.pidFile,
			'--appendonly', 'yes',
			'--appendfsync', this.options.appendfsync ?? 'always',
			// A write cut short by a crash or a full disk was never acknowledged: drop it and load the rest.
			'--aof-load-truncated', 'yes',
			'--save', '',
			'--daemonize', 'no',
			'--loglevel', 'notice', // prints the ready line we wait for
			// Refusing writes (NOREPLICAS) while the disk is full: one it could not finish would make it exit.
			...(readOnly ? ['--min-replicas-to-write', '1'] : [])
		];
	}

	private adopt(child: ChildProcess): void {
		this.child = child;
		this.state = 'running';
		this.lastFailure = null;
		child.once('exit', (code, signal) => {
			if (this.child !== child || this.stopped) return;
			void this.restart({ code, signal, said: lastWords(child) });
		});
	}

	private async restart(exit: { code: number | null; signal: NodeJS.Signals | null; said: string }): Promise<void> {
		const diedAt = Date.now();
		this.recentDeaths = diedAt - this.lastDeathAt > CALM_MS ? 1 : this.recentDeaths + 1;
		this.lastDeathAt = diedAt;
		this.state = 'restarting';
		this.child = null;
		this.log.error({ code: exit.code, signal: exit.signal, redis: exit.said || undefined }, 'embedded redis-server died; restarting it from its append-only file');
		for (let attempt = 1; ; attempt++) {
			await this.sleep(BACKOFF_MS[Math.min(this.recentDeaths + attempt - 2, BACKOFF_MS.length - 1)]!);
			if (this.stopped) return;
			try {
				const child = await launch(await this.args());
				if (this.stopped) return void (await terminate(child)); // Gigstage began stopping meanwhile
				this.adopt(child);
				this.restarts++;
				this.log.info({ downMs: Date.now() - diedAt, attempts: attempt }, 'embedded redis-server restarted from its append-only file');
				return;
			} catch (error) {
				const reason = error instanceof Error ? error.message : String(error);
				// One line per new reason, not one per attempt: a damaged file fails the same way every time.
				if (reason !== this.lastFailure) this.log.error({ attempt, reason }, 'embedded redis-server cannot start; retrying with backoff');
				this.lastFailure = reason;
			}
		}
	}

	// A getter, so TypeScript does not assume the state cannot have changed across an await.
	private get stopped(): boolean {
		return this.state === 'stopped';
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			this.wakeStop = done;
			function done() {
				clearTimeout(timer);
				resolve();
			}
		});
	}
}

// What redis-server printed last, for the log line saying why it died or would not start.
const SAID = Symbol('said');
type Speaking = ChildProcess & { [SAID]?: string[] };

function lastWords(child: ChildProcess): string {
	return ((child as Speaking)[SAID] ?? []).slice(-3).join(' | ');
}

function launch(args: string[]): Promise<ChildProcess> {
	const child: Speaking = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	const said: string[] = (child[SAID] = []);
	return new Promise((resolve, reject) => {
		let ready = false;
		const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms: ${lastWords(child)}`)), START_TIMEOUT_MS);
		const fail = (error: Error) => {
			clearTimeout(timer);
			child.kill('SIGKILL');
			reject(error);
		};
		child.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ENOENT' ? new RedisMissingError() : error));
		child.once('exit', (code) => {
			if (!ready) fail(new Error(`redis-server exited with code ${code}: ${lastWords(child)}`));
		});
		let partial = '';
		const onData = (chunk: Buffer) => {
			const lines = (partial + chunk.toString()).split('\n');
			partial = lines.pop() ?? '';
			for (const line of lines) {
				// "123:M 01 Jan 2030 00:00:00.000 # Bad file format…": keep the message, drop the stamp.
				const text = line.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [#*.-] /, '').trim();
				if (!text) continue;
				said.push(text);
				if (said.length > 20) said.shift();
				if (/Server initialized/i.test(text)) clearTimeout(timer);
				if (!ready && /ready to accept connections/i.test(text)) {
					ready = true;
					clearTimeout(timer);
					resolve(child);
				}
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
	});
}

// With appendfsync always everything acknowledged is on disk already; the grace is for everysec.
const TERM_GRACE_MS = 3000;

function terminate(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		// A frozen (stopped) redis-server never acts on SIGTERM.
		const force = setTimeout(() => child.kill('SIGKILL'), TERM_GRACE_MS);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM'); // redis-server flushes the append-only file on SIGTERM
	});
}
