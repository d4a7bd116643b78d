import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { connectRedis } from '../../src/lib/server/store.js';
import { fixtures } from '../support/fixtures.js';
import { HttpClient } from '../support/http.js';

// The attack: a server started the README's way (`npm start`, no NODE_ENV) sold a €25 ticket to
// anyone who typed the public test card. Off unless DEV_PAYMENTS=true; labelled on every page when on.

type Running = { server: ServerProcess; redis: Redis; make: ReturnType<typeof fixtures> };
const running: Running[] = [];

async function serve(env: Record<string, string>): Promise<Running> {
	// The runner's own environment must not decide this test: only what is passed here counts.
	const server = await startServerProcess({ DEV_PAYMENTS: '', NODE_ENV: '', ...env });
	const redis = await connectRedis({ socketPath: path.join(server.dataDir, 'redis', 'redis.sock') });
	const started = { server, redis, make: fixtures(redis) };
	running.push(started);
	return started;
}

let plain: Running;
let testing: Running;
beforeAll(async () => {
	plain = await serve({});
	testing = await serve({ DEV_PAYMENTS: 'true' });
});
afterAll(async () => {
	for (const r of running.splice(0)) {
		r.redis.disconnect();
		await r.server.stop();
	}
});

describe('the test checkout', () => {
	it('is off on a server started without DEV_PAYMENTS: nothing sells with the test card', async () => {
		const { gig } = await plain.make.show({ price: '25' });
		const buyer = await plain.make.person();
		const http = new HttpClient(plain.server.url).useSession(buyer.token);
		const page = await http.get(`/gigs/${gig.id}`);
		expect(page.text).not.toContain('data-testid="buy-dev"');
		expect(page.text).not.toContain('data-testid="test-payments"');
		const buy = await http.post(`/gigs/${gig.id}?/buy`, { method: 'dev' });
		expect(buy.status).toBe(503);
		expect(buy.text).toContain('not available');
		expect(buy.location).toBeNull();
		// Even a checkout made some other way cannot be paid through the test page.
		const checkout = await plain.make.tickets.startCheckout(gig, buyer.user.id, 'dev');
		const pay = await http.post(`/checkout/dev/${checkout.id}?/pay`, { cardNumber: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' });
		expect(pay.status).toBeGreaterThanOrEqual(400);
		expect((await http.get(`/checkout/dev/${checkout.id}`)).status).toBe(404);
		expect(await plain.make.tickets.hasTicket(gig.id, buyer.user.id)).toBe(false);
	});

	it('when turned on, every page says so plainly, and the start-up log warns', async () => {
		const { gig } = await testing.make.show({ price: '25' });
		const buyer = await testing.make.person();
		const http = new HttpClient(testing.server.url).useSession(buyer.token);
		const visitor = new HttpClient(testing.server.url);
		for (const [client, pagePath] of [[http, '/'], [http, `/gigs/${gig.id}`], [http, '/me'], [visitor, `/gigs/${gig.id}`], [visitor, '/login']] as const) {
			const page = await client.get(pagePath);
			expect(page.status, pagePath).toBe(200);
			expect(page.text, pagePath).toContain('data-testid="test-payments"');
			expect(page.text, pagePath).toContain('Test payments are on.');
		}
		const buy = await http.post(`/gigs/${gig.id}?/buy`, { method: 'dev' });
		expect(buy.status).toBe(303);
		const checkout = await http.get(buy.location!);
		expect(checkout.text).toContain('TEST CHECKOUT');
		expect(checkout.text).toContain('data-testid="test-payments"');
		expect(testing.server.logs.join('\n')).toMatch(/DEV_PAYMENTS=true: the test checkout sells tickets/);
		expect(plain.server.logs.join('\n')).not.toMatch(/DEV_PAYMENTS=true/);
	});
});
