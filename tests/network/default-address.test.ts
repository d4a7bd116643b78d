import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { readPaintedFrames, receivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { Netns } from '../support/netns.js';
import { startSiteIn, type NetnsSite } from '../support/netns-site.js';
import { waitFor } from '../support/media.js';

// A laptop: loopback plus one network address. The server runs with no media settings at all.
const LAPTOP_ADDRESS = '198.51.100.7';
let laptop: Netns;
let site: NetnsSite;
let browser: Browser;

beforeAll(async () => {
	laptop = Netns.create('laptop');
	laptop.addAddress(LAPTOP_ADDRESS);
	site = await startSiteIn(laptop);
	browser = await launchChromium({ netns: laptop });
});
afterAll(async () => {
	await browser?.close();
	await site?.stop();
	laptop?.close();
});

describe('the default media address', () => {
	it('is the first network address of the machine, detected at start-up and logged', () => {
		const line = site.server.logs.find((l) => l.includes('media address detected'));
		expect(line, 'the server logs the address it detected').toBeDefined();
		expect(JSON.parse(line!)).toMatchObject({ listenIp: '0.0.0.0', announcedAddress: LAPTOP_ADDRESS, interface: 'lan0' });
	});

	it('serves a Chromium without the loopback flag: the creator goes live and a viewer decodes frames and sound', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(browser, `${site.server.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(browser, `${site.server.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the viewer has a picture', async () => (await receivedMedia(viewer)).videoWidth > 0, 20_000);
		const first = await receivedMedia(viewer);
		await waitFor('frames and sound keep coming', async () => {
			const now = await receivedMedia(viewer);
			return now.framesDecoded > first.framesDecoded + 20 && now.audioPackets > first.audioPackets + 20;
		});
		console.info(`first frame, Chromium viewer, direct UDP: ${(await viewer.evaluate(readPaintedFrames)).firstFrameMs} ms from the first consume request`);
		await closePage(viewer);
		await closePage(studio);
	}, 90_000);
});
