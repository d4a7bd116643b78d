import { createServer as createViteServer } from 'vite';
import { start } from './start.js';

// Development entry: same server, with Vite's middlewares serving pages with hot reload.
// A developer's own machine: the labelled test checkout is on unless they say otherwise.
process.env.DEV_PAYMENTS ??= 'true';
await start(async () => {
	const vite = await createViteServer({ server: { middlewareMode: true }, appType: 'custom' });
	return vite.middlewares;
});
