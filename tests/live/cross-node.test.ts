import { describe, expect, it } from 'vitest';
import { twoNodesForThisFile, type LiveClient } from './clients.js';
import { vp8Parameters } from '../support/media.js';
import type { ChatMessage, ViewerCount } from '../../src/lib/live/messages.js';

const cluster = twoNodesForThisFile();
const A = 0;
const B = 1;

async function joined(client: LiveClient, gigId: string) {
	const answer = await client.request('live:join', { gigId });
	expect(answer, 'live:join answers ok').toHaveProperty('ok');
	return answer.ok as { viewers: ViewerCount };
}

/** The newest viewer count a client has been told for the gig. */
function latestCount(client: LiveClient, gigId: string): number | undefined {
	const counts = client.received('viewers').filter((v) => v.gigId === gigId);
	return counts.sort((x, y) => x.version - y.version).at(-1)?.count;
}

describe('live features across two nodes sharing one Redis', () => {
	it('delivers a message posted through node A to a client on node B', async () => {
		const { gig, creator, viewer } = await cluster.make.show();
		const onB = await cluster.live(B, creator.cookie);
		await joined(onB, gig.id);
		const onA = await cluster.live(A, viewer.cookie);
		await joined(onA, gig.id);

		const sent = await onA.request('chat:send', { text: 'hello from node A' });
		const { message } = sent.ok as { message: ChatMessage };
		const seen = await onB.event('chat:message', 'the client on node B received the message from node A', (m) => m.id === message.id);
		expect(seen).toMatchObject({ text: 'hello from node A', userId: viewer.user.id, role: 'viewer' });
	});

	it('sees a hand raised on node A in the host’s queue on node B, and sends the guest back from node B, closing their media on node A', async () => {
		const { gig, creator, viewer } = await cluster.make.show();
		const host = await cluster.live(B, creator.cookie);
		await joined(host, gig.id);
		const fan = await cluster.live(A, viewer.cookie);
		await joined(fan, gig.id);

		expect(await fan.request('stage:raise', {})).toHaveProperty('ok');
		await host.event('stage', 'the host on node B sees the hand raised on node A', (s) => s.hands.some((p) => p.id === viewer.user.id));
		expect(await host.request('stage:invite', { userId: viewer.user.id })).toHaveProperty('ok');
		await fan.event('stage', 'the viewer on node A sees the invitation from node B', (s) => s.invited.some((p) => p.id === viewer.user.id));
		expect(await fan.request('stage:accept', {})).toHaveProperty('ok');
		const guest = await cluster.media(A, viewer.cookie);
		expect(await guest.request('join', { gigId: gig.id, role: 'guest' })).toHaveProperty('ok');

		expect(await host.request('stage:remove', { userId: viewer.user.id })).toHaveProperty('ok');
		await expect.poll(() => guest.socket.connected, { message: 'the guest’s media connection on node A was closed from node B' }).toBe(false);
	});

	it('disconnects a person banned on node B from chat and stream on node A, and refuses their next media join with BANNED', async () => {
		const { gig, creator, viewer } = await cluster.make.show();
		const chat = await cluster.live(A, viewer.cookie);
		await joined(chat, gig.id);
		const media = await cluster.media(A, viewer.cookie);
		expect(await media.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
		const moderator = await cluster.live(B, creator.cookie);
		await joined(moderator, gig.id);

		expect(await moderator.request('mod:ban', { userId: viewer.user.id })).toEqual({ ok: null });
		await chat.event('moderated', 'the banned viewer was told about the ban', (e) => e.action === 'ban');
		await chat.disconnected('the banned viewer’s chat connection on node A was closed');
		await expect.poll(() => media.socket.connected, { message: 'the banned viewer’s media connection on node A was closed' }).toBe(false);

		for (const n of [A, B]) {
			const again = await cluster.media(n, viewer.cookie);
			expect(await again.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'BANNED' } });
			const chatAgain = await cluster.live(n, viewer.cookie);
			expect(await chatAgain.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'BANNED' } });
		}
	});

	it('adds up viewers on both nodes, counts a person on two nodes once, and drops a dead node’s viewers within the time-to-live', async () => {
		const { gig, creator, viewer } = await cluster.make.show();
		const second = await cluster.make.person();
		await cluster.make.ticket(gig, second);
		const watcher = await cluster.live(B, creator.cookie);
		await joined(watcher, gig.id);

		await joined(await cluster.live(A, viewer.cookie), gig.id);
		await joined(await cluster.live(B, viewer.cookie), gig.id);
		const doomed = await cluster.extraNode('c');
		const onC = await cluster.live(cluster.nodes.indexOf(doomed), second.cookie);
		expect((await joined(onC, gig.id)).viewers.count).toBe(2);
		await expect.poll(() => latestCount(watcher, gig.id), { message: 'node B’s client sees both viewers (the creator is not counted)' }).toBe(2);

		await doomed.kill();
		const killedAt = Date.now();
		await expect.poll(() => latestCount(watcher, gig.id), { timeout: 6000, message: 'the dead node’s viewer dropped out of the count' }).toBe(1);
		// 2 s time-to-live, a heartbeat every 2/3 s, one announcement a second.
		expect(Date.now() - killedAt).toBeLessThan(4500);
	}, 30_000);

	it('tells home pages on every node when a show goes live and ends', async () => {
		const { gig, creator } = await cluster.make.show();
		const home = await cluster.live(B);
		expect(await home.request('live:follow', {})).toHaveProperty('ok.gigs');
		const page = await cluster.live(A);
		expect(await page.request('live:follow', { gigId: gig.id })).toMatchObject({ ok: { gigs: [{ gigId: gig.id, state: 'scheduled' }] } });

		const host = await cluster.media(A, creator.cookie);
		await host.request('join', { gigId: gig.id, role: 'host' });
		const transport = await host.request('transport:create', { direction: 'send' });
		await host.request('produce', { transportId: (transport as { ok: { id: string } }).ok.id, kind: 'video', source: 'camera', rtpParameters: vp8Parameters() });
		expect(await host.request('show:start', {})).toHaveProperty('ok');

		const live = await home.event('status', 'the home page on node B heard the gig went live', (s) => s.gigId === gig.id && s.state === 'live');
		expect(live.startedAt).toBeGreaterThan(0);
		await page.event('status', 'the gig page heard it went live', (s) => s.gigId === gig.id && s.state === 'live');
		expect(await host.request('show:end', {})).toHaveProperty('ok');
		await home.event('status', 'the home page on node B heard the gig ended', (s) => s.gigId === gig.id && s.state === 'ended');
	});
});
