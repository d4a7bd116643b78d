import os from 'node:os';
import dns from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/lib/server/webhooks/signature.js';
import { redisForThisFile } from '../support/redis.js';
import { startWebhookReceiver, webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { CREATOR, webhookNodes } from './nodes.js';

const store = redisForThisFile();
const node = webhookNodes(() => store.redis);
const receiver = webhookReceiverForThisFile();

/** Waits until the creator's latest delivery reaches `status`; the failure shows where it stood. */
async function deliveryBecomes(webhooks: ReturnType<typeof node>, status: 'delivered' | 'failed', timeoutMs = 10_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const [latest] = await webhooks.recentDeliveries(CREATOR);
		if (latest?.status === status) return latest;
		if (Date.now() > deadline) throw new Error(`the delivery did not become ${status} within ${timeoutMs} ms: ${JSON.stringify(latest)}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

const sinceStart = () => receiver.received.length;

/** This machine's own name, if it resolves only to loopback or private addresses (/etc/hosts, on most hosts). */
async function internalHostname(): Promise<string | null> {
	const addresses = await dns.lookup(os.hostname(), { all: true }).catch(() => []);
	return addresses.length > 0 && addresses.every((a) => /^(127\.|10\.|192\.168\.|::1$|fe80:)/.test(a.address)) ? os.hostname() : null;
}
const ownName = await internalHostname();

describe('webhook delivery', () => {
	it('signs a delivery so the documented scheme verifies it, with its event and delivery ids', async () => {
		const webhooks = node();
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const { secret } = await webhooks.endpoint(CREATOR);
		const before = sinceStart();
		await webhooks.ping(CREATOR);
		expect(await webhooks.sendDue()).toBe(1);
		const request = receiver.received[before]!;
		expect(request.headers['content-type']).toBe('application/json');
		expect(request.headers['gigstage-event']).toBe('ping');
		expect(request.headers['gigstage-delivery']).toMatch(/^dlv_[a-z0-9]{16}$/);
		expect(request.event).toMatchObject({ type: 'ping', id: expect.stringMatching(/^evt_/), createdAt: expect.any(String) });
		expect(verifySignature(secret!, request.headers['gigstage-signature'] as string, request.body)).toBe(true);
		expect(verifySignature(secret!, request.headers['gigstage-signature'] as string, request.body + ' ')).toBe(false);
		const [delivery] = await webhooks.recentDeliveries(CREATOR);
		expect(delivery).toMatchObject({ id: request.headers['gigstage-delivery'], eventType: 'ping', status: 'delivered', attempts: 1, responseStatus: 200, error: null });
	});

	it('retries a failing endpoint with growing delays, then delivers', async () => {
		const webhooks = node({ retryBaseMs: 150 });
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		receiver.failNext(2, 503);
		const before = sinceStart();
		await webhooks.ping(CREATOR);
		// The first attempt by hand, so its recorded outcome is read before any retry can start.
		expect(await webhooks.sendDue()).toBe(1);
		const [waiting] = await webhooks.recentDeliveries(CREATOR);
		expect(waiting).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 503 });
		expect(waiting!.nextAttemptAt).toBeGreaterThanOrEqual(waiting!.lastAttemptAt! + 150);

		webhooks.start();
		const delivered = await deliveryBecomes(webhooks, 'delivered');
		expect(delivered).toMatchObject({ attempts: 3, responseStatus: 200, error: null });
		const attempts = receiver.received.slice(before);
		expect(attempts.map((r) => r.answeredWith)).toEqual([503, 503, 200]);
		expect(new Set(attempts.map((r) => r.headers['gigstage-delivery'])).size).toBe(1); // one delivery, three attempts
		// 150 ms after the first failure, 3 × 150 ms after the second.
		expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(140);
		expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(440);
	});

	it('gives up after the last attempt and shows the delivery failed', async () => {
		const webhooks = node({ retryBaseMs: 5 });
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		receiver.failNext(6, 500);
		const before = sinceStart();
		webhooks.start();
		await webhooks.ping(CREATOR);
		const failed = await deliveryBecomes(webhooks, 'failed');
		expect(failed).toMatchObject({ attempts: 6, responseStatus: 500, nextAttemptAt: null });
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(receiver.received.length - before).toBe(6);
	});

	it('counts no answer at all as a failure: refused connections and timeouts', async () => {
		const closed = await startWebhookReceiver();
		const deadUrl = closed.url;
		await closed.close();
		const webhooks = node({ maxAttempts: 1, timeoutMs: 300 });
		await webhooks.setUrl(CREATOR, { url: deadUrl });
		await webhooks.ping(CREATOR);
		await webhooks.sendDue();
		expect((await webhooks.recentDeliveries(CREATOR))[0]).toMatchObject({ status: 'failed', responseStatus: null, error: 'Connection refused' });

		await webhooks.setUrl(CREATOR, { url: receiver.url });
		receiver.hangNext(1);
		await webhooks.ping(CREATOR);
		const started = Date.now();
		await webhooks.sendDue();
		expect(Date.now() - started).toBeLessThan(2000);
		expect((await webhooks.recentDeliveries(CREATOR))[0]).toMatchObject({ status: 'failed', error: 'Timed out after 0.3 s' });
	});

	it('does not follow a redirect', async () => {
		const webhooks = node({ maxAttempts: 1 });
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const before = sinceStart();
		receiver.redirectNext(1, `${receiver.url}/elsewhere`);
		await webhooks.ping(CREATOR);
		await webhooks.sendDue();
		expect(receiver.received.slice(before).map((r) => r.path)).toEqual(['/hooks']);
		expect((await webhooks.recentDeliveries(CREATOR))[0]).toMatchObject({ status: 'failed', responseStatus: 302, error: expect.stringMatching(/Redirect to .*elsewhere not followed/) });
	});

	it('signs retries with the rotated secret', async () => {
		const webhooks = node();
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const old = (await webhooks.endpoint(CREATOR)).secret!;
		const fresh = await webhooks.rotateSecret(CREATOR);
		expect(fresh).not.toBe(old);
		expect(fresh).toMatch(/^gswh_/);
		const before = sinceStart();
		await webhooks.ping(CREATOR);
		await webhooks.sendDue();
		const request = receiver.received[before]!;
		expect(verifySignature(fresh, request.headers['gigstage-signature'] as string, request.body)).toBe(true);
		expect(verifySignature(old, request.headers['gigstage-signature'] as string, request.body)).toBe(false);
	});

	it('stops sending once the URL is removed, and keeps the secret for when it is set again', async () => {
		const webhooks = node();
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const { secret } = await webhooks.endpoint(CREATOR);
		await webhooks.ping(CREATOR);
		await webhooks.removeUrl(CREATOR);
		const before = sinceStart();
		await webhooks.sendDue();
		expect(receiver.received.length).toBe(before);
		expect((await webhooks.recentDeliveries(CREATOR))[0]).toMatchObject({ status: 'failed', error: 'No webhook URL is set any more' });
		await expect(webhooks.ping(CREATOR)).rejects.toMatchObject({ code: 'WEBHOOK_NOT_SET' });
		expect((await webhooks.setUrl(CREATOR, { url: receiver.url })).secretCreated).toBe(false);
		expect((await webhooks.endpoint(CREATOR)).secret).toBe(secret);
	});

	it('refuses viewers and bad URLs with field messages', async () => {
		const webhooks = node({ allowPrivate: false });
		await expect(webhooks.setUrl({ id: 'fan', role: 'viewer' }, { url: 'https://example.com/hook' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		await expect(webhooks.recentDeliveries({ id: 'fan', role: 'viewer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
		await expect(webhooks.setUrl(CREATOR, { url: receiver.url })).rejects.toMatchObject({ code: 'INVALID_INPUT', fields: { url: expect.stringMatching(/private network/) } });
		await expect(webhooks.setUrl(CREATOR, {})).rejects.toMatchObject({ code: 'INVALID_INPUT', fields: { url: 'Enter the URL Gigstage should send events to' } });
	});

	it.skipIf(!ownName)('refuses, when sending, a name that resolves to a private address', async () => {
		const name = ownName!;
		const port = new URL(receiver.url).port;
		const webhooks = node({ allowPrivate: false, maxAttempts: 1 });
		await webhooks.setUrl(CREATOR, { url: `http://${name}:${port}/hooks` });
		const before = sinceStart();
		await webhooks.ping(CREATOR);
		await webhooks.sendDue();
		expect(receiver.received.length).toBe(before);
		expect((await webhooks.recentDeliveries(CREATOR))[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Refused: .* resolves to .*, a private address$/) });
	});
});
