import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPaintedFrames, receivedMedia, receivedMediaInPage, type PaintedFrames, type ReceivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import type { Person } from '../support/fixtures.js';
import { waitFor } from '../support/media.js';
import { FIREWALLS, SITE, STAGE_SITE, startVenue, type Venue } from '../support/venue.js';

// The venue's Wi-Fi, and what its firewall lets through (tests/support/venue.ts).
let v: Venue;
// coturn, the server, two Chromiums and a Firefox start here: more than the default bound on a busy machine.
beforeAll(async () => {
	v = await startVenue();
}, 120_000);
afterAll(() => v?.stop());

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
		const page = await openPage(v.venueChromium, url, { person });
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
	const page = await v.venueFirefox.newPage(url, { person });
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
	const { gig, creator, viewer: fan } = await v.site.make.show();
	const studio = await openPage(v.studioBrowser, `${STAGE_SITE}/studio/${gig.id}`, { person: creator });
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
		v.venue.firewall(FIREWALLS.noUdp);
		await watchesOver(browser, 'tcp');
	}, 90_000);

	it('in Chromium watches through coturn over TLS on 443 when the network lets only web ports through, and the page says so', async () => {
		v.venue.firewall(FIREWALLS.onlyWeb);
		await watchesOver('Chromium', 'relay-tls');
	}, 90_000);

	it('lets a creator whose network lets only web ports through go live through coturn, watched from the stage', async () => {
		v.venue.firewall(FIREWALLS.onlyWeb);
		const { gig, creator, viewer: fan } = await v.site.make.show();
		const studio = await openPage(v.venueChromium, `${SITE}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(v.studioBrowser, `${STAGE_SITE}/gigs/${gig.id}/watch`, { person: fan });
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
		v.venue.firewall(FIREWALLS.noUdpNoSfu);
		await watchesOver('Firefox', 'relay-tcp');
	}, 90_000);
});
