import net from 'node:net';

export type BlipProxy = { url: string; blip(): void; close(): Promise<void> };

/**
 * A loopback TCP proxy in front of the server, so a test can cut every open connection (the
 * signaling WebSocket included) the way a network blip would, while new ones still get through.
 */
export async function startBlipProxy(targetPort: number): Promise<BlipProxy> {
	const open = new Set<net.Socket>();
	const proxy = net.createServer((client) => {
		const upstream = net.connect(targetPort, '127.0.0.1');
		for (const s of [client, upstream]) {
			open.add(s);
			s.on('close', () => open.delete(s));
			s.on('error', () => {});
		}
		client.pipe(upstream).pipe(client);
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	const port = (proxy.address() as net.AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		blip: () => {
			for (const s of open) s.destroy();
		},
		close: () =>
			new Promise((resolve) => {
				for (const s of open) s.destroy();
				proxy.close(() => resolve());
			})
	};
}
