import { describe, expect, it } from 'vitest';
import { Deliveries, RECENT_DELIVERIES } from '../../src/lib/server/webhooks/deliveries.js';
import { pingEvent } from '../../src/lib/server/webhooks/events.js';
import { redisForThisFile } from '../support/redis.js';
import { webhookReceiverForThisFile } from '../support/webhook-receiver.js';
import { CREATOR, webhookNodes } from './nodes.js';

const store = redisForThisFile();
const node = webhookNodes(() => store.redis);
const receiver = webhookReceiverForThisFile();

let counter = 0;
/** Queues pings straight into the queue (the ping button is rate limited). */
async function queuePings(count: number): Promise<string[]> {
	const deliveries = new Deliveries(store.redis);
	const ids: string[] = [];
	for (let i = 0; i < count; i++) {
		const id = `dlv_test${String(counter++).padStart(12, '0')}`;
		expect(await deliveries.enqueue(CREATOR.id, pingEvent(), id)).toBe(true);
		ids.push(id);
	}
	return ids;
}

describe('the delivery queue', () => {
	it('lets two nodes claiming at once take each delivery exactly once', async () => {
		await node().setUrl(CREATOR, { url: receiver.url });
		const ids = await queuePings(30);
		const connections = [store.redis.duplicate(), store.redis.duplicate()];
		const [a, b] = connections.map((c) => new Deliveries(c));
		const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a! : b!).claim(5, 60_000, `claim-${i}`)));
		for (const c of connections) c.disconnect();
		const claimed = claims.flat().map((d) => d.id);
		expect(claimed.sort()).toEqual([...ids].sort());
	});

	it('sends each delivery once when two nodes’ workers race', async () => {
		const first = node();
		const second = node();
		await first.setUrl(CREATOR, { url: receiver.url });
		const ids = await queuePings(40);
		const before = receiver.received.length;
		first.start();
		second.start();
		const received = await receiver.waitFor('all 40 deliveries', (r) => r.length >= before + 40);
		await new Promise((resolve) => setTimeout(resolve, 200)); // time for any duplicate to show up
		const sent = received.slice(before).map((r) => r.headers['gigstage-delivery'] as string);
		expect(sent).toHaveLength(40);
		expect(new Set(sent).size).toBe(40);
		expect(new Set(sent)).toEqual(new Set(ids));
	});

	it('keeps queued deliveries through a restart', async () => {
		const before = receiver.received.length;
		const down = node();
		await down.setUrl(CREATOR, { url: receiver.url });
		await down.ping(CREATOR); // queued while no worker runs
		await down.stop();
		const restarted = node();
		restarted.start();
		await receiver.waitFor('the ping queued before the restart', (r) => r.length >= before + 1);
		expect(receiver.received[before]!.event?.type).toBe('ping');
	});

	it('retries a delivery whose node died mid-attempt once its claim runs out', async () => {
		const webhooks = node({ timeoutMs: 100 }); // claims last 6 × the timeout
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const [id] = await queuePings(1);
		const crashed = await new Deliveries(store.redis).claim(10, 600, 'claim-of-a-dead-node');
		expect(crashed.map((d) => d.id)).toEqual([id]);
		expect(await webhooks.sendDue()).toBe(0); // still held
		const before = receiver.received.length;
		webhooks.start();
		await receiver.waitFor('the retried delivery', (r) => r.length >= before + 1, 5000);
		const [delivery] = await webhooks.recentDeliveries(CREATOR);
		expect(delivery).toMatchObject({ id, status: 'delivered', attempts: 2 });
		// The dead node's late report is ignored.
		expect(await new Deliveries(store.redis).finish(crashed[0]!, { kind: 'failed', responseStatus: null, error: 'late' })).toBe(false);
		expect((await webhooks.recentDeliveries(CREATOR))[0]!.status).toBe('delivered');
	});

	it(`shows the latest ${RECENT_DELIVERIES} deliveries and forgets older finished ones`, async () => {
		const webhooks = node();
		await webhooks.setUrl(CREATOR, { url: receiver.url });
		const ids = await queuePings(RECENT_DELIVERIES + 5);
		while ((await webhooks.sendDue()) > 0);
		const shown = (await webhooks.recentDeliveries(CREATOR)).map((d) => d.id);
		expect(shown).toEqual(ids.slice(5).reverse());
		await queuePings(1);
		const deliveries = new Deliveries(store.redis);
		expect(await deliveries.get(ids[5]!)).toBeNull();
		expect(await store.redis.exists(`gs:webhook-delivery:${ids[0]}`)).toBe(0);
	});
});
