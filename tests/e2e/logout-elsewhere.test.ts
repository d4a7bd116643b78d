import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';

const site = siteForThisFile();
const SHOTS = process.env.GIGSTAGE_SCREENSHOTS; // a folder: the test saves what each page looks like

/** Logs out from a second tab of the same browser profile as `page`. */
async function logOutInAnotherTab(page: Page): Promise<void> {
	const other = await page.context().newPage();
	await other.goto(`${site.url}/me`);
	await other.getByRole('button', { name: 'Log out' }).click();
	await other.waitForURL(`${site.url}/`);
}

describe('logging out in another tab', () => {
	it('stops the stream and chat of an open watch page, which says so, and the studio’s broadcast, which says to reload', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const watch = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: viewer });
		await expect.poll(() => watch.getByTestId('show-state').textContent(), { timeout: 15_000, message: 'the viewer sees the show live' }).toContain('Live');

		await logOutInAnotherTab(watch);
		await watch.getByTestId('player-closed').waitFor();
		expect(await watch.getByTestId('show-state').textContent()).toContain('Disconnected');
		expect(await watch.getByTestId('player-disconnected').textContent()).toContain('Reload the page');
		await expect.poll(() => watch.getByTestId('chat').textContent(), { message: 'the chat says it was closed' }).toContain('The chat was closed');
		expect(await watch.getByTestId('player').evaluate((v: HTMLVideoElement) => v.checkVisibility({ visibilityProperty: true })), 'no frozen picture is left on screen').toBe(false);
		if (SHOTS) {
			for (const [name, viewport] of Object.entries({ desktop: { width: 1366, height: 768 }, portrait: { width: 390, height: 844 }, landscape: { width: 844, height: 390 } })) {
				await watch.setViewportSize(viewport);
				await watch.screenshot({ path: `${SHOTS}/logout-watch-${name}.png`, fullPage: true });
			}
		}

		await logOutInAnotherTab(studio);
		await expect.poll(() => studio.getByRole('alert').textContent(), { message: 'the studio says its connection was closed' }).toContain('Reload the page');
		if (SHOTS) {
			for (const [name, viewport] of Object.entries({ desktop: { width: 1366, height: 768 }, portrait: { width: 390, height: 844 } })) {
				await studio.setViewportSize(viewport);
				await studio.screenshot({ path: `${SHOTS}/logout-studio-${name}.png`, fullPage: true });
			}
		}
		await closePage(watch);
		await closePage(studio);
	}, 90_000);
});
