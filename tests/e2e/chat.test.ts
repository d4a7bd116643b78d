import { describe, expect, it } from 'vitest';
import { closePage, openPage } from '../support/pages.js';
import { siteForThisFile } from '../support/site.js';

const site = siteForThisFile();

describe('chat beside the player', () => {
	it('lets two viewers chat and react, each seeing the other at once', async () => {
		const { gig, viewer: first } = await site.make.show();
		const second = await site.make.person();
		await site.make.ticket(gig, second);
		const a = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: first });
		const b = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: second });

		await a.getByTestId('chat-input').fill('Hello from the front row');
		await a.getByTestId('chat-input').press('Enter');
		await expect.poll(() => b.getByTestId('chat-messages').textContent(), { message: 'the second viewer sees the first one’s message' }).toContain('Hello from the front row');
		await expect.poll(() => a.getByTestId('chat-input').inputValue(), { message: 'the box empties after sending' }).toBe('');

		await b.getByTestId('chat-input').fill('Setlist: https://example.org/setlist. <b>not bold</b>');
		await b.getByRole('button', { name: 'Send', exact: true }).click();
		const link = a.getByTestId('chat-messages').getByRole('link', { name: 'https://example.org/setlist' });
		await link.waitFor();
		expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow ugc');
		expect(await link.getAttribute('target')).toBe('_blank');
		expect(await a.getByTestId('chat-messages').locator('b').count(), 'markup in a message stays text').toBe(0);
		expect(await a.getByTestId('chat-messages').textContent()).toContain('<b>not bold</b>');

		await expect.poll(() => a.getByTestId('viewer-count').textContent(), { message: 'both viewers are counted' }).toContain('2');
		await a.getByTestId('react-heart').click();
		await expect.poll(() => b.getByTestId('heart-count').textContent(), { message: 'the second viewer sees the heart counted' }).toBe('1');
		await expect.poll(() => b.locator('.floater').count(), { message: 'a heart floats over the second viewer’s player' }).toBeGreaterThan(0);
		await closePage(a);
		await closePage(b);
	}, 60_000);

	it('lets the creator delete a message and ban its author from the studio', async () => {
		const { gig, creator, viewer } = await site.make.show();
		const fan = await openPage(site.browser, `${site.url}/gigs/${gig.id}/watch`, { person: viewer });
		await fan.getByTestId('chat-input').fill('buy cheap followers here');
		await fan.getByTestId('chat-input').press('Enter');
		const studio = await openPage(site.browser, `${site.url}/studio/${gig.id}`, { person: creator });
		const spam = studio.getByTestId('chat-message').filter({ hasText: 'buy cheap followers' });
		await spam.waitFor();

		await spam.getByTestId('moderate').click();
		await studio.getByRole('menuitem', { name: 'Delete message' }).click();
		await expect.poll(() => fan.getByTestId('chat-messages').textContent(), { message: 'the message disappeared for the viewer' }).not.toContain('buy cheap followers');

		await fan.getByTestId('chat-input').fill('one more time');
		await fan.getByTestId('chat-input').press('Enter');
		const again = studio.getByTestId('chat-message').filter({ hasText: 'one more time' });
		await again.getByTestId('moderate').click();
		await studio.getByRole('menuitem', { name: /ban/i }).click();
		await studio.getByTestId('confirm-ban').click();
		await fan.getByTestId('chat-banned').waitFor();
		await expect.poll(() => fan.getByTestId('show-state').textContent()).toContain('Banned');

		// A ban made by mistake is lifted from the studio: a reload lets the viewer back in.
		const banned = studio.getByTestId('banned-list');
		await banned.locator('summary').click();
		await banned.getByTestId('unban').click();
		await expect.poll(() => banned.count(), { message: 'the banned list empties' }).toBe(0);
		await fan.reload();
		await fan.getByTestId('chat-input').waitFor();
		expect(await fan.getByTestId('show-state').textContent()).not.toContain('Banned');
		await closePage(studio);
		await closePage(fan);
	}, 60_000);
});
