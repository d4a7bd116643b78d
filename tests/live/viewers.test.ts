import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from './single-node.js';
import type { LiveClient } from './clients.js';

const live = liveServerForThisFile();

function latestCount(client: LiveClient, gigId: string): number | undefined {
	return client.received('viewers').filter((v) => v.gigId === gigId).sort((x, y) => x.version - y.version).at(-1)?.count;
}

describe('viewer counts', () => {
	it('count people watching, not the creator, and follow them coming and going', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const host = await live.joined(gig.id, creator);
		expect(host.answer.viewers).toMatchObject({ gigId: gig.id, count: 0 });
		const page = await live.client();
		expect(await page.request('live:follow', { gigId: gig.id })).toMatchObject({ ok: { gigs: [{ gigId: gig.id, state: 'scheduled', viewers: { count: 0 } }] } });

		const first = await live.joined(gig.id, viewer);
		const secondTab = await live.joined(gig.id, viewer);
		expect(secondTab.answer.viewers.count).toBe(1);
		await expect.poll(() => latestCount(host.client, gig.id), { message: 'the studio sees one viewer' }).toBe(1);
		await expect.poll(() => latestCount(page, gig.id), { message: 'the gig page (no login) sees one viewer' }).toBe(1);

		first.client.close();
		await new Promise((r) => setTimeout(r, 1200));
		expect(latestCount(host.client, gig.id), 'still watching in the other tab').toBe(1);
		secondTab.client.close();
		await expect.poll(() => latestCount(host.client, gig.id), { timeout: 3000, message: 'the studio sees the viewer left' }).toBe(0);
	});

	it('refuses to follow a gig that does not exist', async () => {
		const page = await live.client();
		expect(await page.request('live:follow', { gigId: 'no-such-gig' })).toMatchObject({ error: { code: 'GIG_NOT_FOUND' } });
		expect(await page.request('live:follow', { gigId: '../etc' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
	});
});
