/** A browser-like HTTP client for form tests: keeps cookies, sends the Origin header, never follows redirects. */
export class HttpClient {
	private readonly cookies = new Map<string, string>();

	/** `headers` go with every request (e.g. the X-Forwarded-For a proxy in front would add). */
	constructor(
		readonly base: string,
		private readonly headers: Record<string, string> = {}
	) {}

	/** A cookie this client holds (as the browser would keep it). */
	cookie(name: string): string | undefined {
		return this.cookies.get(name);
	}

	get session(): string | undefined {
		return this.cookies.get('gs_session');
	}

	/** Acts as someone already logged in. */
	useSession(token: string): this {
		this.cookies.set('gs_session', token);
		return this;
	}

	async get(path: string): Promise<HttpAnswer> {
		return this.send(path, { method: 'GET' });
	}

	/** Posts a form the way a browser without JavaScript does (urlencoded, or multipart with files). */
	async post(path: string, fields: Record<string, string | Blob>): Promise<HttpAnswer> {
		const hasFile = Object.values(fields).some((v) => v instanceof Blob);
		let body: URLSearchParams | FormData;
		if (hasFile) {
			body = new FormData();
			for (const [k, v] of Object.entries(fields)) body.append(k, v);
		} else {
			body = new URLSearchParams(fields as Record<string, string>);
		}
		return this.send(path, { method: 'POST', body });
	}

	private async send(path: string, init: RequestInit): Promise<HttpAnswer> {
		const headers = new Headers({ ...this.headers, ...Object.fromEntries(new Headers(init.headers)) });
		headers.set('origin', this.base);
		headers.set('accept', 'text/html'); // as a browser: SvelteKit answers form posts with pages
		if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
		const response = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const [name, ...value] = pair!.split('=');
			const text = value.join('=');
			if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || text === '') this.cookies.delete(name!.trim());
			else this.cookies.set(name!.trim(), text);
		}
		return { status: response.status, location: response.headers.get('location'), text: await response.text(), headers: response.headers };
	}
}

export type HttpAnswer = { status: number; location: string | null; text: string; headers: Headers };
