import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startTestServer, type TestServer } from '../support/server.js';
import { fixtures } from '../support/fixtures.js';
import { vp8Parameters } from '../support/media.js';
import { testLog } from '../support/log.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { Webhooks } from '../../src/lib/server/webhooks/webhooks.js';
import { verifySignature } from '../../src/lib/server/webhooks/signature.js';

let server: TestServer;
const receiver = webhookReceiverForThisFile();

beforeAll(async () => {
	server = await startTestServer(undefined, { WEBHOOKS_ALLOW_PRIVATE: 'true' });
});
afterAll(() => server?.close());

describe('show events', () => {
	it('sends gig.live and gig.ended when the host starts and ends the show over signaling', async () => {
		const make = fixtures(server.redis);
		const { gig, creator } = await make.show();
		// The creator's settings, written as the webhooks page would.
		const settings = new Webhooks(server.redis, new Gigs(server.redis), { allowPrivate: true, log: testLog });
		await settings.setUrl(creator.user, { url: receiver.url });
		const { secret } = await settings.endpoint(creator.user);

		const host = await connectClient(server.url, creator.cookie);
		try {
			expect(await host.request('join', { gigId: gig.id, role: 'host' })).toHaveProperty('ok');
			const transport = (await host.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
			expect(await host.request('produce', { transportId: transport.ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() })).toHaveProperty('ok');
			expect(await host.request('show:start', {})).toHaveProperty('ok.state', 'live');
			expect(await host.request('show:end', {})).toHaveProperty('ok');

			const received = await receiver.waitFor('gig.live and gig.ended', (r) => r.filter((x) => x.event?.data.gig?.id === gig.id).length >= 2);
			const forGig = received.filter((x) => x.event?.data.gig?.id === gig.id);
			expect(forGig.map((r) => [r.headers['gigstage-event'], r.event?.data.gig?.status])).toEqual([
				['gig.live', 'live'],
				['gig.ended', 'ended']
			]);
			for (const r of forGig) expect(verifySignature(secret!, r.headers['gigstage-signature'] as string, r.body)).toBe(true);
		} finally {
			// Closed just before the server, as the signaling tests do: a server stopping long after a
			// host left logs Redis "Connection is closed" rejections that are not about webhooks.
			host.close();
		}
	});
});
