import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { start } from './start.js';

// Production entry: the built SvelteKit app behind the same server as signaling and media.
const handlerFile = fileURLToPath(new URL('../build/handler.js', import.meta.url));

await start(async () => {
	if (!existsSync(handlerFile)) throw new Error('the web app is not built: run `npm run build` first (`npm start` does it for you)');
	const { handler } = await import(handlerFile);
	return handler;
});
