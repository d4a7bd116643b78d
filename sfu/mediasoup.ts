import { ensureWorkerBinEnv } from './worker-bin.js';

type Mediasoup = typeof import('mediasoup');
let loaded: Promise<Mediasoup> | undefined;

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN once, when it is first imported, so the binary we built
 * (see scripts/build-mediasoup-worker.sh) must be in the environment before that import.
 */
export function loadMediasoup(): Promise<Mediasoup> {
	loaded ??= (async () => {
		ensureWorkerBinEnv();
		return import('mediasoup');
	})();
	return loaded;
}
