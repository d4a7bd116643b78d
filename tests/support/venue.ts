import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { Firefox } from './firefox.js';
import { connect, Netns } from './netns.js';
import { startSiteIn, type NetnsSite } from './netns-site.js';
import { startCoturn, type Coturn } from './coturn.js';

/**
 * A stage and a venue: the server (on its defaults: HTTP 3000, media 40000, its detected address)
 * with coturn beside it on 3478 and 443, as README's "Viewers behind strict networks" sets it up,
 * in one namespace; the venue's Wi-Fi in another, on a cable to it, behind a firewall the caller
 * sets. Browsers in the venue run WebRTC only in a secure context, so they treat the site as the
 * https one it would be in production, and they take coturn's self-signed certificate, where
 * production has one for the TURN server's name (Chromium checks it).
 */
export const STAGE_ADDRESS = '198.51.100.1';
export const VENUE_ADDRESS = '198.51.100.2';
export const SITE = `http://${STAGE_ADDRESS}:3000`;
/** The site as seen from the stage itself. */
export const STAGE_SITE = 'http://127.0.0.1:3000';
export const SFU_PORT = 40000;
export const TURN_PORT = 3478;
export const TURN_TLS_PORT = 443;

/** An nftables ruleset dropping what the venue's own devices send out matching `rules`. */
const venueFirewall = (...rules: string[]) => `flush ruleset
table inet venue {
	chain out {
		type filter hook output priority 0; policy accept;
		${rules.join('\n\t\t')}
	}
}
`;

/** What a venue's network lets through. */
export const FIREWALLS = {
	open: venueFirewall(),
	noUdp: venueFirewall('meta l4proto udp drop'),
	noUdpNoSfu: venueFirewall('meta l4proto udp drop', `tcp dport ${SFU_PORT} drop`),
	/** Only the web's ports: the site (3000 here, 443 in production) and 443, where coturn speaks TLS. */
	onlyWeb: venueFirewall('meta l4proto udp drop', `tcp dport != { 3000, ${TURN_TLS_PORT} } drop`)
};

export type Venue = {
	stage: Netns;
	venue: Netns;
	site: NetnsSite;
	coturn: Coturn;
	/** A Chromium on the stage, where the creator's studio runs. */
	studioBrowser: Browser;
	venueChromium: Browser;
	venueFirefox: Firefox;
	stop(): Promise<void>;
};

export async function startVenue(): Promise<Venue> {
	const stage = Netns.create('stage');
	const venue = Netns.create('venue');
	const running: Partial<Venue> = { stage, venue };
	const stop = async () => {
		await running.venueFirefox?.close();
		await running.venueChromium?.close();
		await running.studioBrowser?.close();
		await running.site?.stop();
		await running.coturn?.stop();
		venue.close();
		stage.close();
	};
	try {
		connect(stage, STAGE_ADDRESS, venue, VENUE_ADDRESS);
		running.coturn = await startCoturn({ ip: STAGE_ADDRESS, port: TURN_PORT, tlsPort: TURN_TLS_PORT, netns: stage });
		running.site = await startSiteIn(stage, {
			ICE_SERVERS: `turn:${STAGE_ADDRESS}:${TURN_PORT}?transport=tcp,turns:${STAGE_ADDRESS}:${TURN_TLS_PORT}?transport=tcp`,
			TURN_SECRET: running.coturn.secret
		});
		const [studioBrowser, venueChromium, venueFirefox] = await Promise.all([
			launchChromium({ netns: stage }),
			launchChromium({ netns: venue, args: [`--unsafely-treat-insecure-origin-as-secure=${SITE}`, '--ignore-certificate-errors'] }),
			Firefox.launch({ netns: venue, prefs: { 'dom.securecontext.allowlist': STAGE_ADDRESS } })
		]);
		Object.assign(running, { studioBrowser, venueChromium, venueFirefox });
	} catch (error) {
		await stop();
		throw error;
	}
	return { ...(running as Omit<Venue, 'stop'>), stop };
}
