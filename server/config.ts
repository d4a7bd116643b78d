import os from 'node:os';
import { z } from 'zod';
import { normaliseWallet } from '../src/lib/server/accounts/wallet.js';
import { parseTrustProxy } from '../src/lib/server/client-address.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const logFormats = ['auto', 'pretty', 'json'] as const;
export const ingestTranscodeModes = ['auto', 'always', 'never'] as const;

// scheme:host[:port][?transport=udp|tcp], host an IPv4 address, a name or a bracketed IPv6 address.
const ICE_URL = /^(stun|turns?):(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

const port = (name: string) =>
	z.coerce
		.number({ error: `${name} must be a number` })
		.int(`${name} must be a whole number`)
		.min(0, `${name} must be between 0 and 65535`)
		.max(65535, `${name} must be between 0 and 65535`);

const count = (name: string, min: number, max: number) =>
	z.coerce
		.number({ error: `${name} must be a number` })
		.int(`${name} must be a whole number`)
		.min(min, `${name} must be at least ${min}`)
		.max(max, `${name} must be at most ${max}`);

/** Every setting Gigstage reads from the environment, with the defaults that work on a laptop. */
export const configSchema = z.object({
	PORT: port('PORT').default(3000),
	HOST: z.string().min(1).default('0.0.0.0'),
	/** Every interface by default; `127.0.0.1` keeps media on this machine (Chromium only: Firefox offers no loopback candidate). */
	RTC_LISTEN_IP: z.union([z.ipv4(), z.ipv6()], { error: 'RTC_LISTEN_IP must be an IPv4 or IPv6 address' }).default('0.0.0.0'),
	/** Unset: the machine's first network address, detected at start-up (server/media-address.ts). */
	RTC_ANNOUNCED_ADDRESS: z
		.string()
		.regex(/^[a-zA-Z0-9.:-]+$/, 'RTC_ANNOUNCED_ADDRESS must be an IP address or a hostname')
		.optional(),
	/**
	 * STUN/TURN servers browsers are handed with each media transport, comma-separated:
	 * `stun:host:3478`, `turn:host:3478?transport=udp`, `turns:host:443?transport=tcp`.
	 */
	ICE_SERVERS: z
		.string()
		.transform((list, ctx) => {
			const urls = list.split(',').map((u) => u.trim()).filter(Boolean);
			for (const url of urls) if (!ICE_URL.test(url)) ctx.addIssue({ code: 'custom', message: `"${url}" is not a stun:, turn: or turns: URL like turn:turn.example.org:3478?transport=udp` });
			return urls;
		})
		.optional(),
	/** coturn's `static-auth-secret` (use-auth-secret): signs the short-lived TURN credentials browsers get. */
	TURN_SECRET: z.string().min(16, 'TURN_SECRET must be at least 16 characters').optional(),
	/** First media port; worker N listens on RTC_PORT + N (UDP and TCP). 0 lets each worker pick a free port. */
	RTC_PORT: port('RTC_PORT').default(40000),
	MEDIASOUP_WORKERS: z.coerce
		.number({ error: 'MEDIASOUP_WORKERS must be a number' })
		.int()
		.min(1, 'MEDIASOUP_WORKERS must be at least 1')
		.max(64, 'MEDIASOUP_WORKERS must be at most 64')
		.default(os.availableParallelism()),
	LOG_LEVEL: z.enum(logLevels, { error: `LOG_LEVEL must be one of ${logLevels.join(', ')}` }).default('info'),
	/** Log lines for people (`pretty`) or machines (`json`); default: pretty when stdout is a terminal. */
	LOG_FORMAT: z.enum(logFormats, { error: `LOG_FORMAT must be one of ${logFormats.join(', ')}` }).optional(),
	NODE_ENV: z.string().default('development'),
	/** Unset: Gigstage starts its own redis-server with append-only persistence under DATA_DIR. */
	REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must look like redis://host:6379' }).optional(),
	DATA_DIR: z.string().min(1).default('./data'),
	/** The address people use to reach Gigstage, e.g. https://gigs.example.org; links in payments and OBS settings. */
	PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an http(s) URL' }).optional(),
	/** OBS/RTMP ingest port; 0 picks a free port (logged at start-up). */
	RTMP_PORT: port('RTMP_PORT').default(1935),
	/** The address RTMP listens on (default: HOST). */
	RTMP_HOST: z.string().min(1).optional(),
	/** OBS/RTMP ingest on or off (default on; off as well when ffmpeg is missing). */
	RTMP_ENABLED: z.enum(['true', 'false'], { error: 'RTMP_ENABLED must be true or false' }).optional(),
	/**
	 * When the RTMP bridge re-encodes video to VP8 (default auto: only streams WebRTC cannot carry as
	 * they are, i.e. B-frames or an H.264 profile browsers do not take; never: always pass through).
	 */
	RTMP_TRANSCODE: z.enum(ingestTranscodeModes, { error: `RTMP_TRANSCODE must be one of ${ingestTranscodeModes.join(', ')}` }).optional(),
	/** The ffmpeg the RTMP bridge runs (default: `ffmpeg` on PATH). */
	FFMPEG_PATH: z.string().min(1).optional(),
	/** Streams re-encoded at once on this node (default: one per two cores, at least one); more are refused with what to change in OBS. */
	RTMP_REENCODE_MAX: count('RTMP_REENCODE_MAX', 0, 64).optional(),
	/** Seconds a show waits, `interrupted`, for an encoder whose connection dropped (the same key resumes it; default 60). */
	RTMP_RECONNECT_GRACE_SECONDS: count('RTMP_RECONNECT_GRACE_SECONDS', 0, 3600).optional(),
	/** Seconds a show waits after OBS's "Stop Streaming" before it ends (time to change a setting and start again; default 15); 0 ends it at once. */
	RTMP_STOP_GRACE_SECONDS: count('RTMP_STOP_GRACE_SECONDS', 0, 3600).optional(),
	/** Open RTMP connections in all, and from one address (IPv6: one /64); default 200 and 8. */
	RTMP_MAX_CONNECTIONS: count('RTMP_MAX_CONNECTIONS', 1, 100_000).optional(),
	RTMP_MAX_CONNECTIONS_PER_ADDRESS: count('RTMP_MAX_CONNECTIONS_PER_ADDRESS', 1, 100_000).optional(),
	/** Seconds an RTMP connection has to finish its handshake and start publishing (default 10). */
	RTMP_START_SECONDS: count('RTMP_START_SECONDS', 1, 300).optional(),
	/** The platform's Web Monetization / Open Payments wallet, carried by every page but the watch page. */
	PLATFORM_WALLET: z
		.string()
		.transform((w, ctx) => normaliseWallet(w) ?? (ctx.addIssue({ code: 'custom', message: 'PLATFORM_WALLET must be a wallet address like https://wallet.example/gigstage or $wallet.example/gigstage' }), z.NEVER))
		.optional(),
	/** The simulated card checkout: off unless set to `true` (the tests and `npm run dev` turn it on). */
	DEV_PAYMENTS: z.enum(['true', 'false'], { error: 'DEV_PAYMENTS must be true or false' }).optional(),
	STRIPE_SECRET_KEY: z.string().startsWith('sk_', 'STRIPE_SECRET_KEY must start with sk_').optional(),
	STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', 'STRIPE_WEBHOOK_SECRET must start with whsec_').optional(),
	STRIPE_API_BASE: z.url().optional(),
	/** Chat messages kept per gig (default 1000); older ones are trimmed. */
	CHAT_HISTORY_LENGTH: z.coerce.number({ error: 'CHAT_HISTORY_LENGTH must be a number' }).int().min(10, 'CHAT_HISTORY_LENGTH must be at least 10').max(100_000).optional(),
	/** Seconds a viewer stays counted after their server node stops answering (default 30). */
	PRESENCE_TTL_SECONDS: z.coerce.number({ error: 'PRESENCE_TTL_SECONDS must be a number' }).int().min(1, 'PRESENCE_TTL_SECONDS must be at least 1').max(3600).optional(),
	/**
	 * Free space (MB) kept on DATA_DIR's disk: below it new covers and the embedded Redis's writes
	 * are refused (reads and shows go on) until space is freed. Default 100.
	 */
	DISK_RESERVE_MB: z.coerce.number({ error: 'DISK_RESERVE_MB must be a number' }).min(0, 'DISK_RESERVE_MB must be at least 0').max(1_000_000).optional(),
	/**
	 * Which connections may name their client in X-Forwarded-For: unset trusts none (the connection's
	 * own address counts), a number trusts that many proxies in front, or a list of addresses/CIDRs.
	 */
	TRUST_PROXY: z
		.string()
		.refine((v) => typeof parseTrustProxy(v) !== 'string', { error: (issue) => String(parseTrustProxy(String(issue.input))) })
		.optional(),
	/** Let creators' webhook URLs point at loopback or private networks (off: only public addresses). */
	WEBHOOKS_ALLOW_PRIVATE: z.enum(['true', 'false'], { error: 'WEBHOOKS_ALLOW_PRIVATE must be true or false' }).optional(),

	// Several nodes (README "Running several nodes").
	/** A worker takes new viewers of a gig it already carries until it has this many consumers (default 500). */
	CONSUMERS_PER_WORKER: z.coerce.number({ error: 'CONSUMERS_PER_WORKER must be a number' }).int().min(1, 'CONSUMERS_PER_WORKER must be at least 1').max(100_000).optional(),
	/** How long a node's hold on a host seat lasts unrenewed: a dead node's live show turns interrupted within it (default 6). */
	SHOW_LEASE_SECONDS: z.coerce.number({ error: 'SHOW_LEASE_SECONDS must be a number' }).int().min(2, 'SHOW_LEASE_SECONDS must be at least 2').max(60, 'SHOW_LEASE_SECONDS must be at most 60').optional(),
	/** The IP pipes from other nodes arrive at (default RTC_LISTEN_IP). */
	PIPE_LISTEN_IP: z.union([z.ipv4(), z.ipv6()], { error: 'PIPE_LISTEN_IP must be an IPv4 or IPv6 address' }).optional(),
	/** The address other nodes send pipes to (default RTC_ANNOUNCED_ADDRESS, else RTC_LISTEN_IP). */
	PIPE_ANNOUNCED_ADDRESS: z
		.string()
		.regex(/^[a-zA-Z0-9.:-]+$/, 'PIPE_ANNOUNCED_ADDRESS must be an IP address or a hostname')
		.optional(),
	/** Encrypt media between nodes (SRTP) when the network between them is not trusted. */
	PIPE_SRTP: z.enum(['true', 'false'], { error: 'PIPE_SRTP must be true or false' }).optional(),
	/** Ports (`first-last`, UDP) for pipes between nodes and the RTMP bridge's RTP; default mediasoup's 10000-59999. */
	PIPE_PORTS: z
		.string()
		.regex(/^\d{1,5}-\d{1,5}$/, 'PIPE_PORTS must look like 42000-42999')
		.transform((range, ctx) => {
			const [min, max] = range.split('-').map(Number) as [number, number];
			if (min < 1024 || max > 65535 || min > max) ctx.addIssue({ code: 'custom', message: 'PIPE_PORTS must be a range within 1024-65535, low to high' });
			return { min, max };
		})
		.optional(),
	/** `GET /metrics` on the HTTP port answers only with `Authorization: Bearer <METRICS_TOKEN>`. */
	METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
	/** Serve `/metrics` without a token on 127.0.0.1:METRICS_PORT (this machine only). */
	METRICS_PORT: port('METRICS_PORT').optional(),
	/** Where mail goes: smtp://user:pass@host:587 or smtps://user:pass@host:465. Unset: the outbox at /admin/outbox. */
	SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465' }).optional(),
	/** The From of every mail, e.g. `Gigstage <gigs@example.org>` (default: no-reply at PUBLIC_URL's host). */
	MAIL_FROM: z
		.string()
		.max(200)
		.regex(/^[^\r\n]*<?[^\s@<>]+@[^\s@<>]+>?$/, 'MAIL_FROM must be an address, e.g. gigs@example.org or Gigstage <gigs@example.org>')
		.optional(),
	/** Seconds before a failed mail is tried again (default 10); later retries wait 3, 12, 60 and 360 times as long. */
	MAIL_RETRY_SECONDS: z.coerce.number({ error: 'MAIL_RETRY_SECONDS must be a number' }).int().min(1, 'MAIL_RETRY_SECONDS must be at least 1').max(3600).optional(),
	/** Days a deleted account's personal data is kept before it is erased (default 30). */
	ACCOUNT_ERASURE_DAYS: z.coerce.number({ error: 'ACCOUNT_ERASURE_DAYS must be a number' }).int().min(0, 'ACCOUNT_ERASURE_DAYS must be 0 or more').max(365).optional()
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

/** Reads the configuration from an environment; throws a ConfigError that lists every problem at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	// Empty strings (e.g. `RTC_ANNOUNCED_ADDRESS=` in a compose file) mean "not set".
	const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const parsed = configSchema.safeParse(present);
	if (!parsed.success) {
		throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
	}
	const config = parsed.data;
	if (config.RTC_PORT !== 0 && config.RTC_PORT + config.MEDIASOUP_WORKERS - 1 > 65535) {
		throw new ConfigError([`RTC_PORT: ${config.RTC_PORT} + ${config.MEDIASOUP_WORKERS} workers runs past port 65535`]);
	}
	const turn = (config.ICE_SERVERS ?? []).some((url) => url.startsWith('turn'));
	if (turn && !config.TURN_SECRET) throw new ConfigError(['TURN_SECRET: required with turn: or turns: URLs in ICE_SERVERS (the static-auth-secret of the TURN server)']);
	if (config.TURN_SECRET && !turn) throw new ConfigError(['TURN_SECRET: set, but ICE_SERVERS lists no turn: or turns: URL to use it with']);
	if (Boolean(config.STRIPE_SECRET_KEY) !== Boolean(config.STRIPE_WEBHOOK_SECRET)) {
		throw new ConfigError(['STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both to sell tickets through Stripe, or neither']);
	}
	return config;
}

/** The From header of mail: MAIL_FROM, or Gigstage <no-reply@PUBLIC_URL's host>. */
export function mailFrom(config: Config): string {
	if (config.MAIL_FROM) return config.MAIL_FROM;
	const host = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).hostname : 'localhost';
	return `Gigstage <no-reply@${host}>`;
}

/**
 * Whether the simulated card checkout is offered. Only when asked for in so many words: anyone can
 * pay it with the public test card, so a server left on its defaults must never sell that way.
 */
export function devPaymentsEnabled(config: Config): boolean {
	return config.DEV_PAYMENTS === 'true';
}

/**
 * Where this node's end of a pipe between nodes listens, and the address it gives other nodes:
 * by default the media address browsers are given (RTC_*, resolved at start-up).
 */
export function pipeSettings(config: Config, media: { listenIp: string; announcedAddress: string }): { listenIp: string; announcedAddress: string; srtp: boolean } {
	return { listenIp: config.PIPE_LISTEN_IP ?? media.listenIp, announcedAddress: config.PIPE_ANNOUNCED_ADDRESS ?? media.announcedAddress, srtp: config.PIPE_SRTP === 'true' };
}
