import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig, pipeSettings } from '../../server/config.js';
import { SHUTDOWN_BOUND_MS } from '../../server/shutdown.js';
import { DOCUMENTED_CONFIG } from '../support/coturn.js';

type Service = { environment?: Record<string, string>; ports?: string[]; command?: string[]; volumes?: string[]; depends_on?: string[]; profiles?: string[]; network_mode?: string; stop_grace_period?: string };
// Merge keys (`<<: *gigstage-env`) as Docker Compose reads them.
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
	services: Record<string, Service>;
	volumes: Record<string, unknown>;
};
const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('gigstage'));

/** Compose's `${NAME:-default}` / `${NAME:?message}` with a deployer's values filled in. */
function interpolate(value: string, given: Record<string, string>): string {
	return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => given[name] ?? (kind === '-' ? (rest ?? '') : ''));
}

/** "40000-40001:40000-40001/udp" -> the published host and container ports and protocol. */
function published(spec: string): { host: number[]; ports: number[]; protocol: string } {
	const [mapping, protocol = 'tcp'] = spec.split('/');
	const range = (r: string) => {
		const [from, to = from] = r.split('-').map(Number) as [number, number?];
		return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
	};
	const parts = mapping!.split(':');
	return { host: range(parts.at(-2) ?? parts.at(-1)!), ports: range(parts.at(-1)!), protocol };
}

const configOf = (service: Service, address = '203.0.113.7') =>
	loadConfig(Object.fromEntries(Object.entries(service.environment!).map(([k, v]) => [k, interpolate(String(v), { PUBLIC_IP: address })])));

describe('docker-compose.yml', () => {
	it('runs two Gigstage nodes on one Redis', () => {
		expect(nodes.map(([name]) => name)).toEqual(['gigstage-a', 'gigstage-b']);
		for (const [, service] of nodes) {
			expect(configOf(service).REDIS_URL).toBe('redis://redis:6379');
			expect(service.depends_on).toContain('redis');
		}
	});

	it('sets only variables the app’s configuration knows', () => {
		const known = Object.keys(configSchema.shape);
		for (const [, service] of nodes) expect(Object.keys(service.environment!).filter((name) => !known.includes(name))).toEqual([]);
	});

	it('is a valid configuration for each node once the deployer’s address is filled in', () => {
		for (const [name, service] of nodes) {
			const config = configOf(service);
			expect(config.RTC_ANNOUNCED_ADDRESS).toBe('203.0.113.7');
			// Nodes pipe media to each other by service name on the compose network.
			expect(pipeSettings(config, { listenIp: config.RTC_LISTEN_IP, announcedAddress: config.RTC_ANNOUNCED_ADDRESS! }).announcedAddress).toBe(name);
		}
	});

	it('publishes each node’s HTTP port, every worker’s media port over UDP and TCP, and RTMP, without two nodes sharing a host port', () => {
		const taken = new Set<string>();
		for (const [name, service] of nodes) {
			const config = configOf(service, 'gigs.example.org');
			const ports = (service.ports ?? []).map(published);
			const has = (port: number, protocol: string) => ports.some((p) => p.protocol === protocol && p.ports.includes(port));
			expect(has(config.PORT, 'tcp'), `${name} HTTP`).toBe(true);
			expect(has(config.RTMP_PORT, 'tcp'), `${name} RTMP`).toBe(true);
			for (let worker = 0; worker < config.MEDIASOUP_WORKERS; worker++) {
				// Browsers are told the port the worker listens on: host and container ports must match.
				for (const protocol of ['udp', 'tcp']) {
					const spec = ports.find((p) => p.protocol === protocol && p.ports.includes(config.RTC_PORT + worker));
					expect(spec, `${name} worker ${worker} ${protocol}`).toBeDefined();
					expect(spec!.host).toEqual(spec!.ports);
				}
			}
			for (const p of ports) {
				for (const port of p.host) {
					const key = `${port}/${p.protocol}`;
					expect(taken.has(key), `host port ${key} published twice`).toBe(false);
					taken.add(key);
				}
			}
		}
	});

	it('runs coturn only when asked (profile turn), with the documented configuration and Gigstage’s TURN secret', () => {
		const coturn = compose.services.coturn!;
		expect(coturn.profiles).toEqual(['turn']);
		expect(coturn.network_mode, 'relays need a port range: host networking').toBe('host');
		const mounted = coturn.volumes?.find((v) => v.endsWith(':/etc/coturn/turnserver.conf:ro'))?.split(':')[0];
		expect(mounted && path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..', mounted)).toBe(DOCUMENTED_CONFIG);
		const args = coturn.command!.join(' ');
		expect(args).toContain('-c /etc/coturn/turnserver.conf');
		expect(args).toMatch(/--static-auth-secret=\$\{TURN_SECRET:\?/);
		for (const [, service] of nodes) {
			const env = service.environment!;
			expect(env.TURN_SECRET).toBe('${TURN_SECRET:-}');
			const values = Object.fromEntries(
				Object.entries(env).map(([k, v]) => [k, interpolate(String(v), { PUBLIC_IP: '203.0.113.7', ICE_SERVERS: 'turns:turn.example.org:443?transport=tcp', TURN_SECRET: 'a-long-shared-secret' })])
			);
			expect(loadConfig(values).ICE_SERVERS).toEqual(['turns:turn.example.org:443?transport=tcp']);
		}
	});

	it('documents a coturn configuration with TURN REST credentials, TLS on 443 and no relaying into private networks', () => {
		const conf = readFileSync(DOCUMENTED_CONFIG, 'utf8');
		const settings = conf.split('\n').filter((l) => l && !l.startsWith('#'));
		for (const line of ['use-auth-secret', 'listening-port=3478', 'tls-listening-port=443', 'no-multicast-peers', 'denied-peer-ip=10.0.0.0-10.255.255.255', 'denied-peer-ip=127.0.0.0-127.255.255.255', 'denied-peer-ip=192.168.0.0-192.168.255.255']) {
			expect(settings, line).toContain(line);
		}
		expect(settings.some((l) => l.startsWith('lt-cred-mech') || l.startsWith('user=')), 'no static users: credentials are short-lived').toBe(false);
	});

	it('keeps Redis append-only on a named volume, fsynced before every answer, and the nodes’ files on one shared volume', () => {
		const redis = compose.services.redis!;
		expect(redis.command?.join(' ')).toContain('--appendonly yes');
		expect(redis.command?.join(' ')).toContain('--appendfsync always');
		const volume = redis.volumes?.[0]?.split(':')[0];
		expect(volume && volume in compose.volumes).toBe(true);
		const data = nodes.map(([, service]) => service.volumes?.find((v) => v.endsWith(':/data')));
		expect(new Set(data).size).toBe(1);
		expect(data[0]!.split(':')[0]! in compose.volumes).toBe(true);
	});

	it('gives every Gigstage node longer to stop than its own shutdown bound', () => {
		for (const [name, service] of nodes) expect(Number.parseInt(service.stop_grace_period ?? '10s', 10) * 1000, name).toBeGreaterThan(SHUTDOWN_BOUND_MS);
	});
});
