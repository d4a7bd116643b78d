import { afterEach, expect } from 'vitest';
import { takeCspViolations } from './browser.js';

// Every test file: a page that broke the Content-Security-Policy fails the test it happened in.
afterEach(() => {
	expect(takeCspViolations(), 'Content-Security-Policy violations in the browser').toEqual([]);
});
