import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig, pipeSettings } from '../../server/config.js';

type Service = { environment?: Record<string, string>; ports?: string[]; command?: string[]; volumes?: string[]; depends_on?: string[] };
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
			expect(pipeSettings(config).announcedAddress).toBe(name);
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

	it('keeps Redis append-only on a named volume, and the nodes’ files on one shared volume', () => {
		const redis = compose.services.redis!;
		expect(redis.command?.join(' ')).toContain('--appendonly yes');
		const volume = redis.volumes?.[0]?.split(':')[0];
		expect(volume && volume in compose.volumes).toBe(true);
		const data = nodes.map(([, service]) => service.volumes?.find((v) => v.endsWith(':/data')));
		expect(new Set(data).size).toBe(1);
		expect(data[0]!.split(':')[0]! in compose.volumes).toBe(true);
	});
});
