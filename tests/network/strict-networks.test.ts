import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { Firefox } from '../support/firefox.js';
import { readPaintedFrames, receivedMedia, receivedMediaInPage, type PaintedFrames, type ReceivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { connect, Netns } from '../support/netns.js';
import { startSiteIn, type NetnsSite } from '../support/netns-site.js';
import { startCoturn, type Coturn } from '../support/coturn.js';
import type { Person } from '../support/fixtures.js';
import { waitFor } from '../support/media.js';

// The venue's Wi-Fi (a namespace of its own, on a cable to the server's) and what its firewall
// lets through. The server runs on its defaults (HTTP 3000, media 40000, its detected address)
// with coturn beside it on 443, as README's "Viewers behind strict networks" sets it up.
const SERVER = '198.51.100.1';
const VENUE = '198.51.100.2';
// Browsers run WebRTC only in a secure context: the venue's browsers treat the site as the https
// one it would be in production. They also take coturn's self-signed certificate, where
// production has one for the TURN server's name (Chromium checks it).
const SITE = `http://${SERVER}:3000`;
const SFU_PORT = 40000;
const TURN_PORT = 3478;
const TURN_TLS_PORT = 443;

/** An nftables ruleset dropping what the venue's own devices send out matching `rules`. */
const venueFirewall = (...rules: string[]) => `flush ruleset
table inet venue {
	chain out {
		type filter hook output priority 0; policy accept;
		${rules.join('\n\t\t')}
	}
}
`;
const NO_UDP = venueFirewall('meta l4proto udp drop');
const NO_UDP_NO_SFU = venueFirewall('meta l4proto udp drop', `tcp dport ${SFU_PORT} drop`);
/** Only the web's ports: the site (3000 here, 443 in production) and 443, where coturn speaks TLS. */
const ONLY_WEB = venueFirewall('meta l4proto udp drop', `tcp dport != { 3000, ${TURN_TLS_PORT} } drop`);

let stage: Netns;
let venue: Netns;
let site: NetnsSite;
let coturn: Coturn;
let studioBrowser: Browser;
let venueChromium: Browser;
let venueFirefox: Firefox;

// coturn, the server, two Chromiums and a Firefox start here: more than the default bound on a busy machine.
beforeAll(async () => {
	stage = Netns.create('stage');
	venue = Netns.create('venue');
	connect(stage, SERVER, venue, VENUE);
	coturn = await startCoturn({ ip: SERVER, port: TURN_PORT, tlsPort: TURN_TLS_PORT, netns: stage });
	site = await startSiteIn(stage, { ICE_SERVERS: `turn:${SERVER}:${TURN_PORT}?transport=tcp,turns:${SERVER}:${TURN_TLS_PORT}?transport=tcp`, TURN_SECRET: coturn.secret });
	[studioBrowser, venueChromium, venueFirefox] = await Promise.all([
		launchChromium({ netns: stage }),
		launchChromium({ netns: venue, args: [`--unsafely-treat-insecure-origin-as-secure=${SITE}`, '--ignore-certificate-errors'] }),
		Firefox.launch({ netns: venue, prefs: { 'dom.securecontext.allowlist': SERVER } })
	]);
}, 120_000);
afterAll(async () => {
	await venueFirefox?.close();
	await venueChromium?.close();
	await studioBrowser?.close();
	await site?.stop();
	await coturn?.stop();
	venue?.close();
	stage?.close();
});

/** A watch page in the venue, read the same way in either browser. */
type VenueViewer = {
	media(): Promise<ReceivedMedia>;
	painted(): Promise<PaintedFrames>;
	/** The connection path the page reports (`data-path` of its note; null when it says nothing). */
	path(): Promise<string | null>;
	/** Saves what the page looks like at this size. */
	screenshot(file: string, size: { width: number; height: number }): Promise<void>;
	close(): Promise<void>;
};

const SHOTS = process.env.GIGSTAGE_SCREENSHOTS; // a folder: the test saves the watch page with its path note
const SIZES = [
	{ width: 1366, height: 768 },
	{ width: 390, height: 844 },
	{ width: 844, height: 390 }
];

const readPath = () => document.querySelector('[data-testid="connection-path"]')?.getAttribute('data-path') ?? null;

async function openInVenue(browser: 'Chromium' | 'Firefox', url: string, person: Person): Promise<VenueViewer> {
	if (browser === 'Chromium') {
		const page = await openPage(venueChromium, url, { person });
		return {
			media: () => receivedMedia(page),
			painted: () => page.evaluate(readPaintedFrames),
			path: () => page.evaluate(readPath),
			screenshot: async (file, size) => {
				await page.setViewportSize(size);
				await page.screenshot({ path: file });
			},
			close: () => closePage(page)
		};
	}
	const page = await venueFirefox.newPage(url, { person });
	return {
		media: () => page.evaluate(receivedMediaInPage, '[data-testid="player"]'),
		painted: () => page.evaluate(readPaintedFrames),
		path: () => page.evaluate(readPath),
		screenshot: async (file, size) => {
			await page.setViewport(size);
			await page.screenshot(file);
		},
		close: () => page.close()
	};
}

/** Goes live from the studio, opens the watch page in the venue, and checks frames and sound arrive the expected way. */
async function watchesOver(browser: 'Chromium' | 'Firefox', expectedPath: string): Promise<void> {
	const { gig, creator, viewer: fan } = await site.make.show();
	const studio = await openPage(studioBrowser, `http://127.0.0.1:3000/studio/${gig.id}`, { person: creator });
	await goLive(studio);
	const viewer = await openInVenue(browser, `${SITE}/gigs/${gig.id}/watch`, fan);
	try {
		await waitFor(`${browser} in the venue paints frames`, async () => (await viewer.painted()).frames > 5, 30_000);
		const first = await viewer.media();
		await waitFor('frames and sound keep coming', async () => {
			const now = await viewer.media();
			return now.framesDecoded > first.framesDecoded + 20 && now.audioPackets > first.audioPackets + 20;
		});
		await waitFor(`the page reports the ${expectedPath} path`, async () => (await viewer.path()) === expectedPath);
		for (const size of SHOTS ? SIZES : []) await viewer.screenshot(`${SHOTS}/watch-${expectedPath}-${browser}-${size.width}x${size.height}.png`, size);
		console.info(`first frame, ${browser} viewer, ${expectedPath}: ${(await viewer.painted()).firstFrameMs} ms from the first consume request`);
	} finally {
		await viewer.close();
		await closePage(studio);
	}
}

describe('a viewer behind a strict network', () => {
	it.each(['Chromium', 'Firefox'] as const)('in %s still watches over the SFU’s TCP port when the network drops UDP, and the page says so', async (browser) => {
		venue.firewall(NO_UDP);
		await watchesOver(browser, 'tcp');
	}, 90_000);

	it('in Chromium watches through coturn over TLS on 443 when the network lets only web ports through, and the page says so', async () => {
		venue.firewall(ONLY_WEB);
		await watchesOver('Chromium', 'relay-tls');
	}, 90_000);

	it('lets a creator whose network lets only web ports through go live through coturn, watched from the stage', async () => {
		venue.firewall(ONLY_WEB);
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(venueChromium, `${SITE}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(studioBrowser, `http://127.0.0.1:3000/gigs/${gig.id}/watch`, { person: fan });
		try {
			await waitFor('the viewer decodes the creator’s frames', async () => (await receivedMedia(viewer)).framesDecoded > 30, 30_000);
			const sentThrough = await studio.evaluate(async () => {
				const pcs = (window as unknown as { __gigstagePeerConnections: RTCPeerConnection[] }).__gigstagePeerConnections;
				const live = pcs.find((pc) => pc.connectionState === 'connected');
				return live?.getConfiguration().iceTransportPolicy;
			});
			expect(sentThrough, 'the studio publishes through the relay').toBe('relay');
		} finally {
			await closePage(viewer);
			await closePage(studio);
		}
	}, 90_000);

	// Firefox refuses a self-signed certificate on TURN over TLS (acceptInsecureCerts does not reach
	// it), so here it relays over coturn's plain TCP port.
	it('in Firefox watches through coturn over TCP when UDP and the SFU’s TCP port are blocked, and the page says so', async () => {
		venue.firewall(NO_UDP_NO_SFU);
		await watchesOver('Firefox', 'relay-tcp');
	}, 90_000);
});
