import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { Firefox, type FirefoxPage } from '../support/firefox.js';
import { readPaintedFrames, receivedMedia, receivedMediaInPage } from '../support/frames.js';
import { closePage, goLive, openPage } from '../support/pages.js';
import { Netns } from '../support/netns.js';
import { startSiteIn, type NetnsSite } from '../support/netns-site.js';
import { waitFor } from '../support/media.js';

// Firefox offers no loopback ICE candidate: like a person's laptop, the namespace has a network
// address, and the server runs with no media settings at all (it detects that address).
let laptop: Netns;
let site: NetnsSite;
let chromium: Browser;
let firefox: Firefox;

// The server, a Chromium and a Firefox start here: more than the default bound on a busy machine.
beforeAll(async () => {
	laptop = Netns.create('firefox');
	laptop.addAddress('198.51.100.7');
	site = await startSiteIn(laptop);
	[chromium, firefox] = await Promise.all([launchChromium({ netns: laptop }), Firefox.launch({ netns: laptop })]);
}, 120_000);
afterAll(async () => {
	await firefox?.close();
	await chromium?.close();
	await site?.stop();
	laptop?.close();
});

/** Types a chat message into a Firefox page and sends it. */
async function chatFrom(page: FirefoxPage, text: string): Promise<void> {
	await page.evaluate((message) => {
		const input = document.querySelector<HTMLInputElement>('[data-testid="chat-input"]')!;
		input.value = message;
		input.dispatchEvent(new Event('input', { bubbles: true }));
	}, text);
	await waitFor('the chat send button is enabled', () => page.evaluate(() => !document.querySelector<HTMLButtonElement>('[data-testid="chat-send"]')!.disabled));
	await page.click('chat-send');
}

const firefoxMedia = (page: FirefoxPage) => page.evaluate(receivedMediaInPage, '[data-testid="player"]');

describe('Firefox', () => {
	it('watches a Chromium host: painted frames, live sound, chat both ways, the layer fitting the player', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await openPage(chromium, `${site.server.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);

		const viewer = await firefox.newPage(`${site.server.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('Firefox paints frames of the show', async () => (await viewer.evaluate(readPaintedFrames)).frames > 10, 20_000);
		const first = await viewer.evaluate(readPaintedFrames);
		await waitFor('Firefox keeps painting frames', async () => (await viewer.evaluate(readPaintedFrames)).frames > first.frames + 30);
		expect(
			await viewer.evaluate(() => ((document.querySelector('[data-testid="player"]') as HTMLVideoElement).srcObject as MediaStream).getAudioTracks().map((t) => t.readyState)),
			'the sound track is live'
		).toEqual(['live']);
		const heard = (await firefoxMedia(viewer)).audioPackets;
		await waitFor('sound keeps arriving', async () => (await firefoxMedia(viewer)).audioPackets > heard + 50);

		await waitFor('a big player gets the 720p layer', async () => (await firefoxMedia(viewer)).videoWidth === 1280, 20_000);
		await viewer.setViewport({ width: 420, height: 700 });
		await waitFor('a small player gets a lower layer', async () => {
			const width = (await firefoxMedia(viewer)).videoWidth;
			return width > 0 && width <= 640;
		}, 20_000);

		await chatFrom(viewer, 'Hello from Firefox');
		await expect.poll(() => studio.getByTestId('chat-messages').textContent(), { message: 'the host sees the Firefox viewer’s message' }).toContain('Hello from Firefox');
		await studio.getByTestId('chat-input').fill('Hello back from the stage');
		await studio.getByTestId('chat-input').press('Enter');
		await expect.poll(() => viewer.text('chat-messages'), { message: 'the Firefox viewer sees the host’s message' }).toContain('Hello back from the stage');
		expect(viewer.consoleErrors(), 'no console errors in Firefox').toEqual([]);
		console.info(`first frame, Firefox viewer, direct UDP: ${first.firstFrameMs} ms`);
		await viewer.close();
		await closePage(studio);
	}, 120_000);

	it('goes live as the host, and Chromium viewers get its picture, sound, chat and all its simulcast layers', async () => {
		const { gig, creator, viewer: fan } = await site.make.show();
		const studio = await firefox.newPage(`${site.server.url}/studio/${gig.id}`, { person: creator });
		await waitFor('Firefox can go live', () => studio.evaluate(() => document.querySelector<HTMLButtonElement>('[data-testid="go-live"]')?.disabled === false), 20_000);
		await studio.click('go-live');
		await waitFor('the Firefox studio says it is live', async () => (await studio.text('broadcast-status')).includes('Live'), 20_000);

		// Which of them flow depends on Firefox's bandwidth and CPU estimate; the viewers below see two.
		const encodings = await studio.evaluate(() =>
			(window as unknown as { __gigstagePeerConnections: RTCPeerConnection[] }).__gigstagePeerConnections
				.flatMap((pc) => pc.getSenders())
				.filter((sender) => sender.track?.kind === 'video')
				.map((sender) => sender.getParameters().encodings.length)
		);
		expect(encodings, 'Firefox sends its camera as three simulcast layers').toEqual([3]);

		const big = await openPage(chromium, `${site.server.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('the Chromium viewer has a picture', async () => (await receivedMedia(big)).videoWidth > 0, 20_000);
		await waitFor('a big player gets Firefox’s 720p layer', async () => (await receivedMedia(big)).videoWidth === 1280, 30_000);
		const before = await receivedMedia(big);
		await waitFor('frames and sound keep coming', async () => {
			const now = await receivedMedia(big);
			return now.framesDecoded > before.framesDecoded + 30 && now.audioPackets > before.audioPackets + 50;
		});
		await big.setViewportSize({ width: 420, height: 700 });
		await waitFor('a small player gets a lower layer of Firefox’s simulcast', async () => {
			const width = (await receivedMedia(big)).videoWidth;
			return width > 0 && width <= 640;
		}, 20_000);

		await big.getByTestId('chat-input').fill('Great show, Firefox');
		await big.getByTestId('chat-input').press('Enter');
		await expect.poll(() => studio.text('chat-messages'), { message: 'the Firefox host sees the viewer’s message' }).toContain('Great show, Firefox');
		await chatFrom(studio, 'Thanks for coming');
		await expect.poll(() => big.getByTestId('chat-messages').textContent(), { message: 'the viewer sees the Firefox host’s message' }).toContain('Thanks for coming');
		expect(studio.consoleErrors(), 'no console errors in Firefox').toEqual([]);
		await closePage(big);
		await studio.close();
	}, 120_000);
});
