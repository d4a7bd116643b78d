import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../server/config.js';
import { SHUTDOWN_BOUND_MS } from '../../server/shutdown.js';
import { DOCUMENTED_CONFIG } from '../support/coturn.js';

type Service = { environment?: Record<string, string>; ports?: string[]; command?: string[]; volumes?: string[]; profiles?: string[]; network_mode?: string; stop_grace_period?: string };
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
	services: Record<string, Service>;
	volumes: Record<string, unknown>;
};
const app = compose.services.gigstage!;
const env = app.environment!;

/** Compose's `${NAME:-default}` / `${NAME:?message}` with a deployer's values filled in. */
function interpolate(value: string, given: Record<string, string>): string {
	return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, kind?: string, rest?: string) => given[name] ?? (kind === '-' ? (rest ?? '') : ''));
}

/** "40000-40001:40000-40001/udp" -> the published container ports and protocol. */
function published(spec: string): { ports: number[]; protocol: string } {
	const [mapping, protocol = 'tcp'] = spec.split('/');
	const container = mapping!.split(':').at(-1)!;
	const [from, to = from] = container.split('-').map(Number) as [number, number?];
	return { ports: Array.from({ length: to! - from + 1 }, (_, i) => from + i), protocol };
}

describe('docker-compose.yml', () => {
	it('sets only variables the app’s configuration knows', () => {
		const known = Object.keys(configSchema.shape);
		expect(Object.keys(env).filter((name) => !known.includes(name))).toEqual([]);
	});

	it('is a valid configuration once the deployer’s address is filled in', () => {
		const values = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), { PUBLIC_IP: '203.0.113.7' })]));
		const config = loadConfig(values);
		expect(config.RTC_ANNOUNCED_ADDRESS).toBe('203.0.113.7');
		expect(config.REDIS_URL).toBe('redis://redis:6379');
	});

	it('publishes the HTTP port, every worker’s media port over UDP and TCP, and RTMP', () => {
		const config = loadConfig(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), { PUBLIC_IP: 'gigs.example.org' })])));
		const ports = (app.ports ?? []).map(published);
		const has = (port: number, protocol: string) => ports.some((p) => p.protocol === protocol && p.ports.includes(port));
		expect(has(config.PORT, 'tcp')).toBe(true);
		expect(has(config.RTMP_PORT, 'tcp')).toBe(true);
		for (let worker = 0; worker < config.MEDIASOUP_WORKERS; worker++) {
			expect(has(config.RTC_PORT + worker, 'udp'), `worker ${worker} UDP`).toBe(true);
			expect(has(config.RTC_PORT + worker, 'tcp'), `worker ${worker} TCP`).toBe(true);
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
		expect(env.TURN_SECRET).toBe('${TURN_SECRET:-}');

		const values = Object.fromEntries(
			Object.entries(env).map(([k, v]) => [k, interpolate(String(v), { PUBLIC_IP: '203.0.113.7', ICE_SERVERS: 'turns:turn.example.org:443?transport=tcp', TURN_SECRET: 'a-long-shared-secret' })])
		);
		expect(loadConfig(values).ICE_SERVERS).toEqual(['turns:turn.example.org:443?transport=tcp']);
	});

	it('documents a coturn configuration with TURN REST credentials, TLS on 443 and no relaying into private networks', () => {
		const conf = readFileSync(DOCUMENTED_CONFIG, 'utf8');
		const settings = conf.split('\n').filter((l) => l && !l.startsWith('#'));
		for (const line of ['use-auth-secret', 'listening-port=3478', 'tls-listening-port=443', 'no-multicast-peers', 'denied-peer-ip=10.0.0.0-10.255.255.255', 'denied-peer-ip=127.0.0.0-127.255.255.255', 'denied-peer-ip=192.168.0.0-192.168.255.255']) {
			expect(settings, line).toContain(line);
		}
		expect(settings.some((l) => l.startsWith('lt-cred-mech') || l.startsWith('user=')), 'no static users: credentials are short-lived').toBe(false);
	});

	it('keeps Redis append-only on a named volume, fsynced before every answer', () => {
		const redis = compose.services.redis!;
		expect(redis.command?.join(' ')).toContain('--appendonly yes');
		expect(redis.command?.join(' ')).toContain('--appendfsync always');
		const volume = redis.volumes?.[0]?.split(':')[0];
		expect(volume && volume in compose.volumes).toBe(true);
	});

	it('gives Gigstage longer to stop than its own shutdown bound', () => {
		expect(Number.parseInt(app.stop_grace_period ?? '10s', 10) * 1000).toBeGreaterThan(SHUTDOWN_BOUND_MS);
	});
});
