import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
import { start } from './start.js';
import { CLIENT_ADDRESS_HEADER } from '../src/lib/server/client-address.js';

// Production entry: the built SvelteKit app behind the same server as signaling and media.
const handlerFile = fileURLToPath(new URL('../build/handler.js', import.meta.url));
// SvelteKit's form-action CSRF check compares the Origin header with the site's origin. Behind a
// TLS proxy that is PUBLIC_URL; otherwise the connection's own protocol, passed in a header that
// we always overwrite so no client can choose it.
const PROTOCOL_HEADER = 'x-gigstage-protocol';

await start(async (config) => {
	if (!existsSync(handlerFile)) throw new Error('the web app is not built: run `npm run build` first (`npm start` does it for you)');
	// Cover uploads may be 5 MB (the domain checks the exact limit); adapter-node's default is 512 KB.
	process.env.BODY_SIZE_LIMIT ??= '6M';
	// getClientAddress() answers what the server stamped on the request (see TRUST_PROXY), never a header a client chose.
	process.env.ADDRESS_HEADER = CLIENT_ADDRESS_HEADER;
	delete process.env.XFF_DEPTH;
	if (config.PUBLIC_URL) process.env.ORIGIN = new URL(config.PUBLIC_URL).origin;
	else process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
	const { handler } = (await import(handlerFile)) as { handler: RequestHandler };
	return (req, res, next) => {
		req.headers[PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
		return handler(req, res, next);
	};
});
