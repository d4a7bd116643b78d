import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

describe('a server without ffmpeg', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer(undefined, { FFMPEG_PATH: '/nonexistent/ffmpeg' });
	});
	afterAll(() => server.close());

	it('runs with OBS ingest off and says why', async () => {
		expect(server.server.ingest.port).toBeNull();
		expect(server.server.ingest.disabledReason).toMatch(/ffmpeg/);
		const health = await fetch(`${server.url}/healthz`);
		expect(health.status).toBe(200);
	});
});
