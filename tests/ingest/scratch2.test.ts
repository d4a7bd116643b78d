import { describe, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { openPage, closePage, goLive } from '../support/pages.js';
import { between, viewerStats } from '../support/viewer-stats.js';
import { waitFor } from '../support/media.js';

const site = siteForThisFile({ env: () => ({ RTMP_PORT: '0' }) });

describe('scratch', () => {
	it('studio', async () => {
		const { gig, viewer: fan, creator } = await site.make.show();
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
		await waitFor('frames', async () => (await viewerStats(page)).video.framesDecoded > 0, 30_000);
		await page.waitForTimeout(2000);
		for (let i = 0; i < 3; i++) {
			const a = await viewerStats(page);
			await page.waitForTimeout(6000);
			console.log('studio', JSON.stringify(between(a, await viewerStats(page))));
		}
		await closePage(page);
		await closePage(studio);
	}, 120_000);
});
