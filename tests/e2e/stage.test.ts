import { describe, expect, it } from 'vitest';
import { closePage, goLive, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';
import { liveStreams } from '../support/frames.js';
import { publicName } from '../../src/lib/server/accounts/accounts.js';

const site = siteForThisFile();
const SHOTS = process.env.GIGSTAGE_SCREENSHOTS; // a folder: the test saves what each person sees

describe('bringing a viewer on stage', () => {
	it('a viewer raises a hand, the creator invites them, and a third viewer sees and hears host and guest', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const audience = await site.make.person();
		await site.make.ticket(gig, audience);

		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		await goLive(studio);
		const guest = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: viewer });
		const third = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: audience });
		await expect.poll(() => liveStreams(third), { timeout: 15_000, message: 'the third viewer gets the host’s camera and sound' }).toMatchObject({ video: 1, audio: 1 });

		await guest.getByTestId('raise-hand').click();
		await guest.getByTestId('lower-hand').waitFor();
		const queue = studio.getByTestId('stage-queue');
		await expect.poll(() => queue.textContent(), { message: 'the creator sees the raised hand' }).toContain(publicName(viewer.user));
		await queue.getByTestId('invite').click();
		await guest.getByTestId('join-stage').click();
		await expect.poll(() => guest.getByTestId('stage-controls').textContent(), { timeout: 15_000, message: 'the guest is told they are on stage and heard' }).toContain('Everyone watching sees and hears you');

		await expect.poll(() => liveStreams(third), { timeout: 20_000, message: 'the third viewer decodes frames and sound from both host and guest' }).toEqual({ video: 2, audio: 2 });
		expect(await third.getByTestId('player-box').getAttribute('data-layout')).toBe('grid');
		await expect.poll(() => liveStreams(studio), { timeout: 15_000, message: 'the creator sees and hears the guest' }).toEqual({ video: 1, audio: 1 });
		// The guest is not sent their own picture and sound back: only the host's.
		await expect.poll(() => liveStreams(guest), { timeout: 10_000, message: 'the guest receives the host only' }).toEqual({ video: 1, audio: 1 });
		if (SHOTS) {
			await third.screenshot({ path: `${SHOTS}/stage-viewer.png` });
			await guest.screenshot({ path: `${SHOTS}/stage-guest.png` });
			await studio.screenshot({ path: `${SHOTS}/stage-studio.png`, fullPage: true });
		}

		await studio.getByTestId('send-back').click();
		await guest.getByTestId('raise-hand').waitFor();
		await expect.poll(() => guest.getByTestId('stage-controls').textContent()).toContain('back in the audience');
		await expect.poll(() => third.getByTestId('player-box').getAttribute('data-layout'), { timeout: 10_000, message: 'the guest’s picture leaves the third viewer’s player' }).toBe('single');
		for (const page of [studio, guest, third]) await closePage(page);
	}, 90_000);
});
