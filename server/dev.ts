import { createServer as createViteServer } from 'vite';
import { start } from './start.js';

// Development entry: same server, with Vite's middlewares serving pages with hot reload.
// A developer's own machine: the labelled test checkout is on unless they say otherwise.
if (!process.env.DEV_PAYMENTS) process.env.DEV_PAYMENTS = 'true'; // empty means unset, as in loadConfig
await start(async () => {
	// Hot reload talks over a WebSocket of its own; svelte.config.js lets the pages' CSP reach it.
	process.env.GIGSTAGE_DEV_HMR_PORT ??= '24678';
	const vite = await createViteServer({ server: { middlewareMode: true, hmr: { port: Number(process.env.GIGSTAGE_DEV_HMR_PORT) } }, appType: 'custom' });
	return vite.middlewares;
});
