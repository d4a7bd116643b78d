/**
 * Issue 9 item 9: a page on another site must not open a Socket.IO connection that carries its
 * visitor's cookies, on any namespace or transport.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackSiteForThisFile, connectRaw } from './support/attack-site.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { fixtures } from '../support/fixtures.js';
import { MEDIA_NAMESPACE } from '../../src/lib/signaling/messages.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';

const site = attackSiteForThisFile();

/** What Engine.IO answers a long-polling handshake sent with this Origin. */
function pollingHandshake(url: string, origin: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const request = http.get(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } }, (response) => {
			response.resume();
			resolve(response.statusCode!);
		});
		request.once('error', reject);
	});
}

describe('Socket.IO handshakes from other sites', () => {
	it('refuses a page on another site on /media and /live, even with the visitor’s cookie', async () => {
		const { gig, viewer } = await site.make.show();
		const { port, hostname } = new URL(site.url);
		const foreign = [
			'https://evil.example',
			'null',
			`http://${hostname}:${port}.evil.example`,
			`http://evil.example:${port}`,
			`http://${hostname}:${Number(port) + 1}`,
			`http://localhost:${port}`,
			`file://${hostname}:${port}`,
			'not an origin'
		];
		for (const origin of foreign) {
			for (const namespace of [MEDIA_NAMESPACE, LIVE_NAMESPACE]) {
				const attempt = connectRaw(site.url, namespace, { cookie: viewer.cookie, origin });
				await expect(attempt, `${origin} on ${namespace}`).rejects.toThrow();
			}
			expect(await pollingHandshake(site.url, origin), `${origin} over long-polling`).toBe(403);
		}
		// The visitor's own page still gets in.
		const own = await site.media({ cookie: viewer.cookie, origin: `http://${hostname}:${port}` });
		expect(await own.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});

	it('lets in clients that send no Origin (not a browser page), and the site’s own pages however they write it', async () => {
		const { gig, viewer } = await site.make.show();
		const { port } = new URL(site.url);
		const noOrigin = await site.live({ cookie: viewer.cookie });
		expect(await noOrigin.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		for (const origin of [`http://127.0.0.1:${port}`, `HTTP://127.0.0.1:${port}`, `https://127.0.0.1:${port}`]) {
			const c = await site.live({ cookie: viewer.cookie, origin });
			expect(await c.request('live:join', { gigId: gig.id }), origin).toHaveProperty('ok');
		}
	});
});

describe('Socket.IO handshakes behind a TLS proxy (PUBLIC_URL set)', () => {
	let server: TestServer;
	beforeAll(async () => {
		server = await startTestServer(undefined, { PUBLIC_URL: 'https://gigs.example.org' });
	});
	afterAll(() => server?.close());

	it('takes PUBLIC_URL’s origin, whatever Host the proxy forwards, and nothing else', async () => {
		const { gig, viewer } = await fixtures(server.redis).show();
		const c = await connectRaw(server.url, LIVE_NAMESPACE, { cookie: viewer.cookie, origin: 'https://gigs.example.org' });
		expect(await c.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		c.close();
		const { port } = new URL(server.url);
		for (const origin of [`http://127.0.0.1:${port}`, 'http://gigs.example.org', 'https://gigs.example.org.evil.example']) {
			await expect(connectRaw(server.url, MEDIA_NAMESPACE, { cookie: viewer.cookie, origin }), origin).rejects.toThrow();
		}
	});
});
