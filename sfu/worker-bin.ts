/**
 * Locate the mediasoup-worker binary and point mediasoup at it.
 *
 * mediasoup's npm install script is disabled in this project, so the worker is
 * built from source by `scripts/build-mediasoup-worker.sh` (run by
 * `npm run setup` / `npm run worker:build`) and cached outside the repository:
 *
 *   ${GIGSTAGE_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/gigstage}/mediasoup-worker/<version>/mediasoup-worker
 *
 * mediasoup reads `process.env.MEDIASOUP_WORKER_BIN` once, when its module is
 * first loaded, so `ensureWorkerBinEnv()` must run before that. Note that
 * static `import` statements are hoisted: call it and then load mediasoup with
 * a dynamic `await import('mediasoup')`, or call it from a module that is
 * imported before any module importing mediasoup.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Directory of the installed mediasoup npm package. */
function mediasoupDir(): string {
	return dirname(require.resolve('mediasoup/package.json'));
}

/** Version of the installed mediasoup npm package. */
function mediasoupVersion(): string {
	const pkg: unknown = JSON.parse(readFileSync(join(mediasoupDir(), 'package.json'), 'utf8'));
	const version = (pkg as { version?: unknown }).version;
	if (typeof version !== 'string') throw new Error('mediasoup/package.json has no version');
	return version;
}

/** A non-empty regular file we may execute. */
function isExecutableFile(path: string): boolean {
	try {
		const st = statSync(path);
		if (!st.isFile() || st.size === 0) return false;
		accessSync(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** Where the build script caches the worker for the installed mediasoup version. */
export function cachedWorkerBinPath(): string {
	const env = process.env;
	const cacheRoot =
		env.GIGSTAGE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gigstage');
	return join(cacheRoot, 'mediasoup-worker', mediasoupVersion(), 'mediasoup-worker');
}

/**
 * The mediasoup-worker binary to use, in the build script's order:
 * `$MEDIASOUP_WORKER_BIN` if set, else a prebuilt binary inside the mediasoup
 * package, else the cached build, else `undefined`.
 */
export function resolveWorkerBin(): string | undefined {
	const fromEnv = process.env.MEDIASOUP_WORKER_BIN;
	if (fromEnv) return fromEnv;

	const prebuilt = join(mediasoupDir(), 'worker', 'out', 'Release', 'mediasoup-worker');
	if (isExecutableFile(prebuilt)) return prebuilt;

	const cached = cachedWorkerBinPath();
	if (isExecutableFile(cached)) return cached;

	return undefined;
}

/**
 * Set `process.env.MEDIASOUP_WORKER_BIN` to the resolved worker binary. Must be
 * called before mediasoup is first imported; throws if no binary is found or if
 * mediasoup was already loaded with a different binary.
 */
export function ensureWorkerBinEnv(): void {
	const bin = resolveWorkerBin();
	if (!bin) {
		throw new Error(
			`mediasoup-worker binary not found (looked for $MEDIASOUP_WORKER_BIN, ${cachedWorkerBinPath()} ` +
				`and the prebuilt binary in node_modules/mediasoup). ` +
				'Build it with `npm run setup` (or just `npm run worker:build`).',
		);
	}
	process.env.MEDIASOUP_WORKER_BIN = bin;

	// Too late if mediasoup's Worker module is already loaded (both `require`
	// and `import` of this CommonJS package go through require.cache).
	const loaded = require.cache[require.resolve('mediasoup/node/lib/Worker.js')]?.exports as
		| { workerBin?: unknown }
		| undefined;
	if (loaded && loaded.workerBin !== bin) {
		throw new Error(
			`ensureWorkerBinEnv() was called after mediasoup was imported (it uses ${String(loaded.workerBin)}, ` +
				`not ${bin}); call it before the first import of 'mediasoup'.`,
		);
	}
}
