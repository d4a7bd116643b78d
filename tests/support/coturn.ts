import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Netns } from './netns.js';
import { stopOnExit } from './children.js';
import { waitFor } from './media.js';

export const TURNSERVER_PATH = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export type Coturn = { port: number; tlsPort: number; secret: string; logs: string[]; stop(): Promise<void> };

export type CoturnOptions = {
	/** The address coturn listens and relays on (in `netns` when given). */
	ip: string;
	port: number;
	/** TURN over TLS on this port too, with a self-signed certificate. */
	tlsPort?: number;
	netns?: Netns;
	/** The static-auth-secret (default: a fresh one). */
	secret?: string;
};

/** The coturn configuration README.md documents for production. */
export const DOCUMENTED_CONFIG = fileURLToPath(new URL('../../docs/coturn.conf', import.meta.url));

/**
 * Debian's coturn run with the documented configuration (docs/coturn.conf), its CHANGE-ME
 * settings given on the command line: a test address and ports, a secret, a self-signed
 * certificate, logs to stdout. Resolves once it accepts connections.
 */
export async function startCoturn({ ip, port, tlsPort, netns, secret = `test-secret-${process.pid}-${Date.now()}` }: CoturnOptions): Promise<Coturn> {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-coturn-'));
	const settings = [
		`--listening-ip=${ip}`,
		`--relay-ip=${ip}`,
		`--listening-port=${port}`,
		'--min-port=49152',
		'--max-port=49352',
		'--realm=gigstage.test',
		`--static-auth-secret=${secret}`,
		'--log-file=stdout',
		'--simple-log',
		`--pidfile=${path.join(dir, 'turnserver.pid')}`,
		`--userdb=${path.join(dir, 'turndb')}`
	];
	if (tlsPort) {
		execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=turn.gigstage.test', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
		settings.push(`--tls-listening-port=${tlsPort}`, `--cert=${path.join(dir, 'cert.pem')}`, `--pkey=${path.join(dir, 'key.pem')}`);
	} else {
		settings.push('--no-tls');
	}
	const argv = [TURNSERVER_PATH, '-c', DOCUMENTED_CONFIG, ...settings];
	const [command, ...args] = netns ? netns.command(argv) : argv;
	const child = stopOnExit(spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
	const logs: string[] = [];
	child.on('error', (error) => logs.push(`cannot start ${TURNSERVER_PATH}: ${error.message} (npm run setup installs coturn)`));
	for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean)));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			const force = setTimeout(() => child.kill('SIGKILL'), 5000);
			await exited;
			clearTimeout(force);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitFor(`coturn accepts TCP connections on ${ip}:${port}`, async () => {
			if (child.exitCode !== null || child.pid === undefined) throw new Error(`coturn is not running:\n${logs.join('\n')}`);
			return accepts(netns, ip, port);
		});
	} catch (error) {
		await stop();
		throw error;
	}
	return { port, tlsPort: tlsPort ?? 0, secret, logs, stop };
}

/** Whether a TCP connection to ip:port succeeds (from inside `netns` when given). */
function accepts(netns: Netns | undefined, ip: string, port: number): Promise<boolean> {
	if (netns) {
		const probe = `require('node:net').connect(${port}, '${ip}').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
		try {
			netns.run([process.execPath, '-e', probe]);
			return Promise.resolve(true);
		} catch {
			return Promise.resolve(false);
		}
	}
	return new Promise((resolve) => {
		const socket = net.connect(port, ip);
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** A TCP and UDP port free on loopback right now. */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}
