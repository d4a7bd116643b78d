import os from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/** Where the mediasoup workers listen, and the address their ICE candidates tell browsers to send media to. */
export type MediaAddress = {
	listenIp: string;
	announcedAddress: string;
	/**
	 * `configured`: RTC_ANNOUNCED_ADDRESS; `listen-ip`: a specific RTC_LISTEN_IP, announced as it is;
	 * `detected`: the machine's first network address; `loopback`: none was found.
	 */
	origin: 'configured' | 'listen-ip' | 'detected' | 'loopback';
	/** The network interface a detected address belongs to. */
	interfaceName?: string;
};

type Interfaces = ReturnType<typeof os.networkInterfaces>;

/**
 * Decides the media address at start-up. Listening on every interface, Gigstage announces the
 * machine's first non-internal address: every browser reaches it, while a loopback address is
 * reached by Chromium only with a flag no real user has (Firefox never offers a loopback candidate).
 */
export function resolveMediaAddress(config: Pick<Config, 'RTC_LISTEN_IP' | 'RTC_ANNOUNCED_ADDRESS'>, interfaces: Interfaces = os.networkInterfaces()): MediaAddress {
	const listenIp = config.RTC_LISTEN_IP;
	if (config.RTC_ANNOUNCED_ADDRESS) return { listenIp, announcedAddress: config.RTC_ANNOUNCED_ADDRESS, origin: 'configured' };
	if (listenIp !== '0.0.0.0' && listenIp !== '::') return { listenIp, announcedAddress: listenIp, origin: 'listen-ip' };
	const found = firstNetworkAddress(interfaces, listenIp === '::');
	if (found) return { listenIp, announcedAddress: found.address, origin: 'detected', interfaceName: found.interfaceName };
	return { listenIp, announcedAddress: listenIp === '::' ? '::1' : '127.0.0.1', origin: 'loopback' };
}

/**
 * The first address that is neither internal nor link-local (a link-local IPv6 address needs a
 * scope no ICE candidate carries). IPv4 comes first: every browser and network has it. A socket on
 * `::` also takes IPv4, so an IPv6 address is only a last resort there.
 */
function firstNetworkAddress(interfaces: Interfaces, ipv6Allowed: boolean): { address: string; interfaceName: string } | undefined {
	const candidates = Object.entries(interfaces).flatMap(([interfaceName, addresses]) =>
		(addresses ?? []).filter((a) => !a.internal && !a.address.toLowerCase().startsWith('fe80:')).map((a) => ({ ...a, interfaceName }))
	);
	const found = candidates.find((a) => a.family === 'IPv4') ?? (ipv6Allowed ? candidates.find((a) => a.family === 'IPv6') : undefined);
	return found && { address: found.address, interfaceName: found.interfaceName };
}

/** One log line saying where media goes, and a warning when not every browser can reach it. */
export function logMediaAddress(media: MediaAddress, log: Logger): void {
	const { listenIp, announcedAddress, interfaceName } = media;
	const context = { listenIp, announcedAddress, ...(interfaceName ? { interface: interfaceName } : {}) };
	if (media.origin === 'loopback') {
		log.warn(
			context,
			`no network address found: media is announced on ${announcedAddress}, which Firefox and other devices cannot reach; set RTC_ANNOUNCED_ADDRESS to this machine's address`
		);
	} else if (isLoopback(announcedAddress)) {
		log.warn(context, `media on loopback only (${announcedAddress}): Firefox and other devices cannot connect; unset RTC_LISTEN_IP to serve every browser`);
	} else {
		log.info(context, media.origin === 'detected' ? `media address detected: ${announcedAddress} (${interfaceName}); set RTC_ANNOUNCED_ADDRESS to change it` : `media address: ${announcedAddress}`);
	}
}

function isLoopback(address: string): boolean {
	return address === '::1' || address.startsWith('127.') || address === 'localhost';
}
