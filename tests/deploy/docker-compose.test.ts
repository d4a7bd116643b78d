import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../../server/config.js';
import { SHUTDOWN_BOUND_MS } from '../../server/shutdown.js';

type Service = { environment?: Record<string, string>; ports?: string[]; command?: string[]; volumes?: string[]; stop_grace_period?: string };
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
