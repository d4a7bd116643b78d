import { STORE_FAILURE_CODES, STORE_FAILURE_MESSAGES, STORE_FAILURE_STATUS, type StoreFailure } from './store-errors.js';

/** What a request looks like to SvelteKit's handle hook, as far as choosing an answer goes. */
export type FailedRequest = { request: Request; url: URL; isDataRequest: boolean };

// The outage page comes back by itself: a browser reloads it this often.
const RETRY_SECONDS: Record<StoreFailure, number> = { unavailable: 5, full: 60 };

/**
 * The answer to a request that could not be served because the store is unreachable (503) or
 * full (507), in the form the asker understands: a page for a browser, SvelteKit's own error
 * shapes for its data and form-action requests, `{ error: { code, message } }` for APIs
 * (Stripe retries any non-2xx). Built without touching Redis, so it is immediate.
 */
export function storeFailureResponse(failure: StoreFailure, { request, url, isDataRequest }: FailedRequest): Response {
	const status = STORE_FAILURE_STATUS[failure];
	const error = { code: STORE_FAILURE_CODES[failure], message: STORE_FAILURE_MESSAGES[failure] };
	const headers = { 'cache-control': 'no-store', 'retry-after': String(RETRY_SECONDS[failure]) };
	if (request.headers.get('x-sveltekit-action') === 'true') {
		return Response.json({ type: 'error', status, error }, { status, headers });
	}
	if (isDataRequest) return Response.json(error, { status, headers });
	const accept = request.headers.get('accept') ?? '';
	if (url.pathname.startsWith('/api/') || (accept.includes('application/json') && !accept.includes('text/html'))) {
		return Response.json({ error }, { status, headers });
	}
	return new Response(page(failure, error.message), { status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } });
}

// A page of its own (styles in static/unavailable.css, served without the store) with the
// site's header, colours and type, since the pages' layout cannot be rendered without Redis.
function page(failure: StoreFailure, message: string): string {
	const title = failure === 'unavailable' ? 'We’ll be right back' : 'Nothing new can be saved right now';
	const status = failure === 'unavailable' ? '503 · Temporarily unavailable' : '507 · Storage full';
	const retry = failure === 'unavailable';
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
${retry ? `<meta http-equiv="refresh" content="${RETRY_SECONDS.unavailable * 2}">\n` : ''}<title>${failure === 'unavailable' ? 'Temporarily unavailable' : 'Storage full'} · Gigstage</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/unavailable.css">
</head>
<body>
<header><a class="brand" href="/"><span class="dot" aria-hidden="true"></span>Gigstage</a></header>
<main>
<section class="panel" role="alert" data-testid="store-failure" data-failure="${failure}">
<p class="eyebrow">${status}</p>
<h1>${title}</h1>
<p>${message}</p>
${retry ? `<p class="muted">This page tries again by itself every ${RETRY_SECONDS.unavailable * 2} seconds.</p>\n<p><a class="button" href="">Try again now</a></p>` : '<p><a class="button" href="/">Back to the home page</a></p>'}
</section>
</main>
</body>
</html>
`;
}
