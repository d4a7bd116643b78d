import { describe, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { ingestProbe } from '../support/ingest.js';
import { openPage, closePage } from '../support/pages.js';
import { OBS_DEFAULTS, RECOMMENDED, prepareClip } from '../support/rtmp-publisher.js';
import { between, viewerStats } from '../support/viewer-stats.js';
import { waitFor } from '../support/media.js';

const site = siteForThisFile({ env: () => ({ RTMP_PORT: '0' }) });
const port = () => Number(/rtmp:\/\/[^:]+:(\d+)\//.exec(site.server.logs.find((l) => l.includes('OBS/RTMP ingest is up')) ?? '')?.[1]);
const rtmp = ingestProbe(() => site.redis, port);

describe('scratch', () => {
	for (const [name, options] of [['audio-only', { ...RECOMMENDED, video: false }], ['recommended', RECOMMENDED]] as const)
		it(name, async () => {
			const clip = await prepareClip(options, 8);
			const { gig, viewer: fan } = await site.make.show();
			const page = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: fan });
			const t0 = Date.now();
			await rtmp.publishClip(gig, clip);
			await waitFor('frames', async () => (await viewerStats(page)).audio.packetsReceived > 0, 30_000);
			console.log(name, 'first frame after', Date.now() - t0);
			await page.waitForTimeout(2000);
			for (let i = 0; i < 3; i++) {
				const a = await viewerStats(page);
				await page.waitForTimeout(6000);
				console.log(name, JSON.stringify(between(a, await viewerStats(page))));
			}
			await closePage(page);
			await rtmp.stopAll();
		}, 120_000);
});
