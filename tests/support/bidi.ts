import WebSocket from 'ws';

type Pending = { resolve(result: any): void; reject(error: Error): void; method: string };
type EventHandler = (params: any) => void;

/**
 * A WebDriver BiDi session over one WebSocket: commands as promises, events to handlers. Only
 * what the tests use; the protocol is https://w3c.github.io/webdriver-bidi/.
 */
export class BidiSession {
	private nextId = 1;
	private readonly pending = new Map<number, Pending>();
	private readonly handlers = new Map<string, EventHandler[]>();
	private closedReason: string | null = null;

	private constructor(private readonly socket: WebSocket) {
		socket.on('message', (data) => this.receive(String(data)));
		socket.on('close', () => this.fail('the browser closed its WebDriver BiDi connection'));
		socket.on('error', (error) => this.fail(`WebDriver BiDi connection failed: ${error.message}`));
	}

	/**
	 * Connects to `url` and starts a session. `host` is the Host header Firefox expects (its own
	 * address: it refuses others), also when `url` is a relay's `ws+unix:` socket.
	 */
	static async connect(url: string, host: string): Promise<BidiSession> {
		const socket = new WebSocket(url, { headers: { Host: host } });
		await new Promise<void>((resolve, reject) => {
			socket.once('open', resolve);
			socket.once('error', reject);
		});
		const session = new BidiSession(socket);
		await session.send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
		return session;
	}

	send<T = any>(method: string, params: object = {}): Promise<T> {
		if (this.closedReason) return Promise.reject(new Error(this.closedReason));
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			this.pending.set(id, { resolve, reject, method });
			this.socket.send(JSON.stringify({ id, method, params }));
		});
	}

	on(event: string, handler: EventHandler): void {
		this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
	}

	async close(): Promise<void> {
		if (this.closedReason) return;
		await this.send('session.end').catch(() => {});
		this.socket.close();
		this.fail('session ended');
	}

	private receive(text: string): void {
		const message = JSON.parse(text) as { id?: number; type: string; method?: string; params?: unknown; result?: unknown; error?: string; message?: string };
		if (message.type === 'event') {
			for (const handler of this.handlers.get(message.method!) ?? []) handler(message.params);
			return;
		}
		const pending = message.id === undefined ? undefined : this.pending.get(message.id);
		if (!pending) return;
		this.pending.delete(message.id!);
		if (message.type === 'success') pending.resolve(message.result);
		else pending.reject(new Error(`${pending.method}: ${message.error}: ${message.message}`));
	}

	private fail(reason: string): void {
		this.closedReason ??= reason;
		for (const { reject, method } of this.pending.values()) reject(new Error(`${method}: ${reason}`));
		this.pending.clear();
	}
}
