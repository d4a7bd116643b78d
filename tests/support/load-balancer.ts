import net from 'node:net';

export type LoadBalancer = {
	url: string;
	/** Refuses new connections (open ones stay), as a network outage on the client's side would. */
	refuse(): void;
	/** Takes new connections again. */
	accept(): void;
	close(): Promise<void>;
};

/**
 * A loopback TCP load balancer in front of several Gigstage nodes, without sticky sessions: each
 * new connection (page load, signaling WebSocket) goes to the first backend that accepts it, in
 * the order given, so a test decides which node a browser lands on, and a browser whose node dies
 * reconnects to the next one, as behind a real load balancer with health checks.
 */
export async function startLoadBalancer(backendPorts: number[]): Promise<LoadBalancer> {
	const open = new Set<net.Socket>();
	const track = (socket: net.Socket) => {
		open.add(socket);
		socket.on('close', () => open.delete(socket));
		socket.on('error', () => {});
	};
	let refusing = false;
	const proxy = net.createServer((client) => {
		track(client);
		if (refusing) return void client.destroy();
		client.pause();
		const tryBackend = (i: number) => {
			if (i >= backendPorts.length || client.destroyed) return void client.destroy();
			const upstream = net.connect(backendPorts[i]!, '127.0.0.1');
			upstream.once('error', () => tryBackend(i + 1));
			upstream.once('connect', () => {
				track(upstream);
				client.pipe(upstream).pipe(client);
				client.resume();
				client.on('close', () => upstream.destroy());
				upstream.on('close', () => client.destroy());
			});
		};
		tryBackend(0);
	});
	await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
		refuse: () => void (refusing = true),
		accept: () => void (refusing = false),
		close: () =>
			new Promise((resolve) => {
				for (const s of open) s.destroy();
				proxy.close(() => resolve());
			})
	};
}
