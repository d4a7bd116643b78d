import type { Page } from 'playwright-core';
import { waitFor } from './media.js';

/**
 * Evaluates in the page over CDP with `userGesture: false`. Playwright's evaluate() and locator
 * waits count as a user gesture, which lifts the browser's autoplay policy for the page.
 */
export async function evaluateWithoutGesture(page: Page, expression: string): Promise<unknown> {
	const cdp = await page.context().newCDPSession(page);
	try {
		const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, userGesture: false, returnByValue: true });
		if (exceptionDetails) throw new Error(`in page: ${exceptionDetails.text}`);
		return result.value;
	} finally {
		await cdp.detach();
	}
}

export function waitWithoutGesture(page: Page, expression: string, ms: number): Promise<void> {
	return waitFor(`the page shows ${expression}`, async () => (await evaluateWithoutGesture(page, expression)) === true, ms);
}
