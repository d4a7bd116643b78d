/**
 * Where to go after logging in or signing up: the `next` query parameter when it is a path on
 * this site ("/me", "/gigs/abc?x=1"), else "/". Refuses "//evil.example", "/\evil.example" and
 * anything the URL parser would resolve to another origin.
 */
export function safeNext(url: URL): string {
	const next = url.searchParams.get('next');
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
	try {
		const target = new URL(next, url.origin);
		if (target.origin !== url.origin) return '/';
		return target.pathname + target.search + target.hash;
	} catch {
		return '/';
	}
}

/** "?next=/me" when there is a next page worth carrying between the login and signup pages. */
export function nextQuery(url: URL): string {
	const next = safeNext(url);
	return next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
}
