import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		include: ['tests/**/*.test.ts'],
		setupFiles: ['tests/support/csp-guard.ts'],
		// Tests start real servers, mediasoup workers and Chromium: one file at a time keeps
		// ports and the two cores predictable.
		fileParallelism: false,
		testTimeout: 30_000,
		hookTimeout: 60_000
	}
});
