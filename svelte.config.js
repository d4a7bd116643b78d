import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// `npm run dev` only: Vite's hot-reload socket listens on a port of its own (server/dev.ts).
const hmrPort = process.env.GIGSTAGE_DEV_HMR_PORT;
const devSockets = hmrPort ? [`ws://*:${hmrPort}`] : [];

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// Every page's Content-Security-Policy. SvelteKit adds a nonce (or, for prerendered pages, a
		// hash) for each script it writes, so no inline script runs without one. Svelte writes
		// `style` attributes, hence 'unsafe-inline' for styles only. Media and signaling are this
		// site's own (WebRTC media is not governed by CSP); frame-ancestors keeps every page out of
		// other sites' frames (server/security-headers.ts adds X-Frame-Options for old browsers).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'media-src': ['self', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self', ...devSockets],
				'worker-src': ['self'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
