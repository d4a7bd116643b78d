import net from 'node:net';

/** A raw TCP connection to an RTMP port, as an attacker (or a test) drives one byte by byte. */
export type RawRtmp = {
	socket: net.Socket;
	/** Resolves when the server closed the connection, with when that happened. */
	closed: Promise<number>;
	isOpen(): boolean;
	/** Does the RTMP handshake (C0+C1, waits for S0+S1+S2, C2); resolves false if the server closes first. */
	handshake(): Promise<boolean>;
};

export async function connectRaw(port: number, localAddress = '127.0.0.1'): Promise<RawRtmp> {
	const socket = net.connect({ port, host: '127.0.0.1', localAddress });
	socket.on('error', () => {});
	let open = true;
	const closed = new Promise<number>((resolve) =>
		socket.once('close', () => {
			open = false;
			resolve(Date.now());
		})
	);
	await new Promise<void>((resolve) => {
		socket.once('connect', resolve);
		socket.once('close', () => resolve());
	});
	return {
		socket,
		closed,
		isOpen: () => open,
		async handshake() {
			let received = 0;
			const answered = new Promise<boolean>((resolve) => {
				socket.on('data', (chunk: Buffer) => {
					received += chunk.length;
					if (received >= 3073) resolve(true);
				});
				void closed.then(() => resolve(false));
			});
			socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 1)]));
			if (!(await answered)) return false;
			socket.write(Buffer.alloc(1536, 7));
			return true;
		}
	};
}
