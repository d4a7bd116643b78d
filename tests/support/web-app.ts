import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const handler = fileURLToPath(new URL('../../build/handler.js', import.meta.url));

/**
 * The production server (benches, screenshots, browser tests) serves the built web app: right after
 * `npm run setup` there is none. Build it once, as `npm start` would, instead of failing.
 */
export function ensureWebApp(): void {
	if (existsSync(handler)) return;
	console.log('the web app is not built yet: building it (npx vite build)…');
	const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
	if (build.status !== 0 || !existsSync(handler)) throw new Error(`building the web app failed (exit ${build.status ?? build.signal})`);
}
