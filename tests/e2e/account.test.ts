import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { siteForThisFile } from '../support/site.js';
import { closePage, openPage } from '../support/pages.js';

const SHOTS = process.env.GIGSTAGE_SCREENSHOTS; // a folder: the test saves each page at each size
const site = siteForThisFile(); // no SMTP_URL: mail goes to the outbox
const SIZES = { desktop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 }, landscape: { width: 844, height: 390 } };
const password = 'correct horse battery staple';

/** Saves the whole page at every size, when screenshots were asked for. */
async function shoot(page: Page, name: string): Promise<void> {
	if (!SHOTS) return;
	for (const [size, viewport] of Object.entries(SIZES)) {
		await page.setViewportSize(viewport);
		await page.waitForTimeout(100);
		await page.screenshot({ path: path.join(SHOTS, `${name}-${size}.png`), fullPage: true });
	}
	await page.setViewportSize(SIZES.desktop);
}

/** The path of the reset link mailed to `email`, once the mail is in the outbox. */
async function resetLinkFor(email: string): Promise<string | undefined> {
	const ids = await site.redis.lrange('gs:mail-outbox', 0, -1);
	const mails = await Promise.all(ids.map((id) => site.redis.hgetall(`gs:mail:${id}`)));
	return mails.find((m) => m.to === email && m.text?.includes('/account/reset/'))?.text!.match(/\/account\/reset\/[\w.-]+/)?.[0];
}

describe('email in the browser', () => {
	it('signs up, sees the banner, finds the mail in the admin’s outbox and confirms from it', async () => {
		const address = `browser-${Date.now()}@example.test`;
		const page = await openPage(site.browser, `${site.url}/signup`, { viewport: SIZES.desktop });
		await page.fill('input[name=displayName]', 'Browser Newcomer');
		await page.fill('input[name=email]', address);
		await page.fill('input[name=password]', password);
		await page.getByRole('button', { name: 'Sign up' }).click();
		await page.waitForURL(`${site.url}/`);
		await expect.poll(() => page.getByRole('complementary').textContent()).toContain('Confirm your email.');
		await shoot(page, 'home-unconfirmed');

		// The banner's resend answers in place.
		await page.getByRole('button', { name: 'Send the link again' }).click();
		await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Sent.');

		await page.goto(`${site.url}/account`);
		await expect.poll(() => page.locator('h1').textContent()).toBe('Account settings');
		await shoot(page, 'account');

		// An admin reads the outbox and opens the newest confirmation mail.
		const operator = await site.make.person();
		await site.redis.hset(`gs:user:${operator.user.id}`, 'role', 'admin');
		const admin = await openPage(site.browser, `${site.url}/admin/outbox`, { viewport: SIZES.desktop, person: operator });
		await expect.poll(() => admin.locator('main').textContent()).toContain(address);
		await shoot(admin, 'outbox');
		await admin.getByRole('link', { name: 'Confirm your email for Gigstage' }).first().click();
		await admin.waitForURL(/\/admin\/outbox\/mail_/);
		const frame = admin.frameLocator('iframe');
		await expect.poll(() => frame.getByRole('heading').textContent()).toBe('Confirm your email');
		await shoot(admin, 'outbox-mail');
		const mailId = admin.url().split('/').pop()!;
		const rendered = await openPage(site.browser, `${site.url}/admin/outbox/${mailId}/html`, { viewport: SIZES.desktop, person: operator });
		await shoot(rendered, 'email-confirm');
		const link = await frame.getByRole('link', { name: 'Confirm my email' }).getAttribute('href');
		expect(link).toMatch(/\/account\/confirm\//);

		// The newcomer follows it in their own browser.
		await page.goto(`${site.url}${new URL(link!).pathname}`);
		await shoot(page, 'confirm-link');
		await page.getByRole('button', { name: 'Confirm my email' }).click();
		await expect.poll(() => page.locator('h1').textContent()).toContain('your email is confirmed');
		await shoot(page, 'confirmed');
		expect(await page.getByRole('complementary').count()).toBe(0);
		for (const p of [page, admin, rendered]) await closePage(p);
	}, 90_000);

	it('asks for a reset link and chooses a new password from it', async () => {
		const fan = await site.make.person();
		const page = await openPage(site.browser, `${site.url}/login`, { viewport: SIZES.desktop });
		await page.getByRole('link', { name: /forgot/i }).click();
		await page.waitForURL(`${site.url}/account/forgot`);
		await shoot(page, 'forgot');
		await page.fill('input[name=email]', fan.user.email);
		await page.getByRole('button', { name: 'Send me a link' }).click();
		await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Check your inbox');
		await shoot(page, 'forgot-sent');

		await expect.poll(() => resetLinkFor(fan.user.email), { timeout: 15_000, message: 'the reset mail in the outbox' }).toBeDefined();
		const link = (await resetLinkFor(fan.user.email))!;
		await page.goto(`${site.url}${link}`);
		await shoot(page, 'reset');
		await page.fill('input[name=password]', 'a brand new passphrase');
		await page.getByRole('button', { name: 'Save my new password' }).click();
		await page.waitForURL(`${site.url}/account?reset=1`);
		await expect.poll(() => page.locator('h1').textContent()).toBe('Account settings');
		expect(await page.getByRole('status').first().textContent()).toContain('every other device was signed out');
		await shoot(page, 'reset-done');
		await closePage(page);
	}, 90_000);

	it('shows a receipt as mail programs would, and the account page of a creator', async () => {
		const operator = await site.make.person();
		await site.redis.hset(`gs:user:${operator.user.id}`, 'role', 'admin');
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator, { title: 'Late night jazz & blues', price: '0', startsAtLocal: '2030-06-01T21:30' });
		const fan = await site.make.person();
		await site.make.accounts.setTimeZone(fan.user.id, 'America/New_York');
		const buyer = await openPage(site.browser, `${site.url}/gigs/${gig.id}`, { viewport: SIZES.desktop, person: fan });
		await buyer.getByTestId('buy-free').click();
		await expect.poll(() => buyer.getByRole('status').first().textContent()).toContain('Got it');
		const admin = await openPage(site.browser, `${site.url}/admin/outbox`, { viewport: SIZES.desktop, person: operator });
		await expect.poll(async () => (await admin.goto(`${site.url}/admin/outbox`), await admin.locator('main').textContent())).toContain('Your ticket: Late night jazz');
		await admin.getByRole('link', { name: /Your ticket: Late night jazz/ }).first().click();
		await admin.waitForURL(/\/admin\/outbox\/mail_/);
		const mailId = admin.url().split('/').pop()!;
		const rendered = await openPage(site.browser, `${site.url}/admin/outbox/${mailId}/html`, { viewport: SIZES.desktop, person: operator });
		expect(await rendered.locator('body').textContent()).toContain('15:30');
		await shoot(rendered, 'email-receipt');
		const settings = await openPage(site.browser, `${site.url}/account`, { viewport: SIZES.desktop, person: creator });
		await shoot(settings, 'account-creator');
		// The name shown here is edited in the one profile form, on /me.
		expect(await settings.getByTestId('account-name').textContent()).toContain(creator.user.displayName);
		await settings.getByRole('link', { name: 'Change name or colour' }).click();
		await settings.waitForURL(`${site.url}/me#profile`);
		await expect.poll(() => settings.getByTestId('profile-form').isVisible()).toBe(true);
		for (const p of [buyer, admin, rendered, settings]) await closePage(p);
	}, 90_000);
});
