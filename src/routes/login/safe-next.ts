// Resolving against a made-up origin shows what a browser would do with the value after every
// normalisation (dot segments, backslashes, tabs and newlines, encoded dots): only paths that stay
// on it are ours.
const PROBE_ORIGIN = 'http://gigstage.invalid';
const MAX_NEXT_LENGTH = 2000;

/**
 * A path on this site for `next`, or "/" when there is none: whatever `next` holds, the answer is
 * a path that a browser resolves to this site ("/me", "/gigs/abc?x=1"), never "//evil.example",
 * "/\evil.example" or anything else that leaves it.
 */
export function sameSitePath(next: string | null | undefined): string {
	if (!next || next.length > MAX_NEXT_LENGTH) return '/';
	let target: URL;
	try {
		target = new URL(next, PROBE_ORIGIN);
	} catch {
		return '/';
	}
	if (target.origin !== PROBE_ORIGIN) return '/';
	const path = target.pathname + target.search + target.hash;
	// "/.//evil.example" resolves to the path "//evil.example", which a browser reads as another host.
	if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
	return path;
}

/** Where to go after logging in or signing up: the `next` query parameter when it is a path on this site, else "/". */
export function safeNext(url: URL): string {
	return sameSitePath(url.searchParams.get('next'));
}

/** "?next=/me" when there is a next page worth carrying between the login and signup pages. */
export function nextQuery(url: URL): string {
	const next = safeNext(url);
	return next === '/' ? '' : `?next=${encodeURIComponent(next)}`;
}
