import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Redis } from 'ioredis';
import { launchChromium } from '../support/browser.js';
import { readPaintedFrames, receivedMedia } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { Netns } from '../support/netns.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from '../support/fixtures.js';
import { waitFor } from '../support/media.js';

// A laptop: loopback plus one network address. The server runs with no media settings at all.
const LAPTOP_ADDRESS = '198.51.100.7';
let laptop: Netns;
let server: ServerProcess;
let browser: Browser;
let redis: Redis;
let make: ReturnType<typeof fixtures>;

beforeAll(async () => {
	laptop = Netns.create('laptop');
	laptop.addAddress(LAPTOP_ADDRESS);
	server = await startServerProcess({}, { netns: laptop });
	redis = await connectRedis({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') });
	make = fixtures(redis);
	browser = await launchChromium({ netns: laptop });
});
afterAll(async () => {
	await browser?.close();
	redis?.disconnect();
	await server?.stop();
	laptop?.close();
});

describe('the default media address', () => {
	it('is the first network address of the machine, detected at start-up and logged', () => {
		const line = server.logs.find((l) => l.includes('media address detected'));
		expect(line, 'the server logs the address it detected').toBeDefined();
		expect(JSON.parse(line!)).toMatchObject({ listenIp: '0.0.0.0', announcedAddress: LAPTOP_ADDRESS, interface: 'lan0' });
	});

	it('serves a Chromium without the loopback flag: the creator goes live and a viewer decodes frames and sound', async () => {
		const { gig, creator, viewer: fan } = await make.show();
		const studio = await openPage(browser, `${server.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const viewer = await openPage(browser, `${server.url}/gigs/${gig.id}/watch`, { person: fan });
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
