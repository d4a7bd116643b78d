import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration', () => {
	it('works on a laptop with no settings at all', () => {
		expect(loadConfig({})).toEqual({
			PORT: 3000,
			HOST: '0.0.0.0',
			RTC_LISTEN_IP: '0.0.0.0',
			RTC_PORT: 40000,
			MEDIASOUP_WORKERS: os.availableParallelism(),
			LOG_LEVEL: 'info',
			NODE_ENV: 'development',
			DATA_DIR: './data',
			RTMP_PORT: 1935
		});
	});

	it('treats empty variables as unset', () => {
		expect(loadConfig({ PORT: '', RTC_ANNOUNCED_ADDRESS: '' }).PORT).toBe(3000);
	});

	it('lists every problem at once in readable words', () => {
		try {
			loadConfig({ PORT: 'eighty', MEDIASOUP_WORKERS: '0', LOG_LEVEL: 'loud', RTC_LISTEN_IP: 'my-laptop' });
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			const text = (error as ConfigError).message;
			expect(text).toContain('PORT must be a number');
			expect(text).toContain('MEDIASOUP_WORKERS must be at least 1');
			expect(text).toContain('LOG_LEVEL must be one of');
			expect(text).toContain('RTC_LISTEN_IP must be an IPv4 or IPv6 address');
		}
	});

	it('listens for media on every interface and leaves the announced address to detection unless it is set', () => {
		expect(loadConfig({}).RTC_ANNOUNCED_ADDRESS).toBeUndefined();
		expect(loadConfig({ RTC_ANNOUNCED_ADDRESS: 'gigs.example.org' }).RTC_ANNOUNCED_ADDRESS).toBe('gigs.example.org');
		expect(loadConfig({ RTC_LISTEN_IP: '127.0.0.1' }).RTC_LISTEN_IP).toBe('127.0.0.1');
	});

	it('reads ICE servers as a list of stun:, turn: and turns: URLs, and refuses anything else', () => {
		const config = loadConfig({ ICE_SERVERS: 'stun:stun.example.org:3478, turn:turn.example.org:3478?transport=udp,turns:turn.example.org:443?transport=tcp', TURN_SECRET: 'a-long-shared-secret' });
		expect(config.ICE_SERVERS).toEqual(['stun:stun.example.org:3478', 'turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp']);
		expect(loadConfig({ ICE_SERVERS: 'turn:[2001:db8::1]:3478', TURN_SECRET: 'a-long-shared-secret' }).ICE_SERVERS).toEqual(['turn:[2001:db8::1]:3478']);
		expect(() => loadConfig({ ICE_SERVERS: 'https://turn.example.org' })).toThrow(/ICE_SERVERS: "https:\/\/turn.example.org" is not a stun:, turn: or turns: URL/);
		expect(() => loadConfig({ ICE_SERVERS: 'turn:user:password@turn.example.org' })).toThrow(/ICE_SERVERS/);
	});

	it('wants TURN_SECRET with TURN URLs, and TURN URLs with TURN_SECRET', () => {
		expect(() => loadConfig({ ICE_SERVERS: 'turn:turn.example.org' })).toThrow(/TURN_SECRET: required with turn/);
		expect(() => loadConfig({ ICE_SERVERS: 'stun:stun.example.org', TURN_SECRET: 'a-long-shared-secret' })).toThrow(/TURN_SECRET: set, but ICE_SERVERS lists no turn/);
		expect(() => loadConfig({ ICE_SERVERS: 'turn:turn.example.org', TURN_SECRET: 'short' })).toThrow(/TURN_SECRET must be at least 16 characters/);
		expect(loadConfig({ ICE_SERVERS: 'stun:stun.example.org' }).ICE_SERVERS).toEqual(['stun:stun.example.org']);
	});

	it('normalises the platform wallet and refuses one that is not a wallet address', () => {
		expect(loadConfig({ PLATFORM_WALLET: '$wallet.example/gigstage' }).PLATFORM_WALLET).toBe('https://wallet.example/gigstage');
		expect(() => loadConfig({ PLATFORM_WALLET: 'my wallet' })).toThrow(/PLATFORM_WALLET must be a wallet address/);
	});

	it('allows private webhook targets only when asked to, in so many words', () => {
		expect(loadConfig({}).WEBHOOKS_ALLOW_PRIVATE).toBeUndefined();
		expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE: 'true' }).WEBHOOKS_ALLOW_PRIVATE).toBe('true');
		expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE: 'yes' })).toThrow(/WEBHOOKS_ALLOW_PRIVATE must be true or false/);
	});

	it('wants both Stripe secrets or neither', () => {
		expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x' })).toThrow(/set both/);
		expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' }).STRIPE_SECRET_KEY).toBe('sk_test_x');
	});

	it('keeps the test checkout off unless DEV_PAYMENTS=true, in development too', async () => {
		const { devPaymentsEnabled } = await import('../../server/config.js');
		expect(devPaymentsEnabled(loadConfig({}))).toBe(false);
		expect(devPaymentsEnabled(loadConfig({ NODE_ENV: 'development' }))).toBe(false);
		expect(devPaymentsEnabled(loadConfig({ NODE_ENV: 'production' }))).toBe(false);
		expect(devPaymentsEnabled(loadConfig({ DEV_PAYMENTS: 'false' }))).toBe(false);
		expect(devPaymentsEnabled(loadConfig({ NODE_ENV: 'production', DEV_PAYMENTS: 'true' }))).toBe(true);
		expect(() => loadConfig({ DEV_PAYMENTS: 'yes' })).toThrow(/DEV_PAYMENTS must be true or false/);
	});

	it('refuses a port range that runs past 65535', () => {
		expect(() => loadConfig({ RTC_PORT: '65535', MEDIASOUP_WORKERS: '2' })).toThrow(/runs past port 65535/);
	});
});
