/**
 * Absolute links for mail and calendar files: PUBLIC_URL when set, else this server on
 * localhost at the port it listens on (known once it does, which is before any mail is sent).
 */
export class SiteLinks {
	private port: number | null = null;

	constructor(private readonly publicUrl: string | null) {}

	/** Called by the composition root once the HTTP server listens. */
	listeningOn(port: number): void {
		this.port = port;
	}

	get base(): string {
		if (this.publicUrl) return this.publicUrl.replace(/\/+$/, '');
		return `http://localhost:${this.port ?? 3000}`;
	}

	/** An absolute URL for a path on this site ("/gigs/abc/watch"). */
	url(path: string): string {
		return this.base + (path.startsWith('/') ? path : `/${path}`);
	}
}
