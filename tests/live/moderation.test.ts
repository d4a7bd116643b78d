import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from './single-node.js';
import type { ChatMessage } from '../../src/lib/live/messages.js';

const live = liveServerForThisFile();

describe('moderating a gig’s chat', () => {
	it('lets the creator delete a message: it disappears for everyone and from the history', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const fan = await live.joined(gig.id, viewer);
		const host = await live.joined(gig.id, creator);
		const sent = (await fan.client.request('chat:send', { text: 'something regrettable' })).ok.message as ChatMessage;

		expect(await host.client.request('chat:delete', { messageId: sent.id })).toEqual({ ok: null });
		for (const { client } of [fan, host]) await client.event('chat:deleted', 'everyone was told the message is gone', (e) => e.messageId === sent.id);
		expect((await live.joined(gig.id, viewer)).answer.history).toEqual([]);
		expect(await host.client.request('chat:delete', { messageId: sent.id })).toMatchObject({ error: { code: 'MESSAGE_NOT_FOUND' } });
	});

	it('refuses moderation to viewers with NOT_MODERATOR', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const host = await live.joined(gig.id, creator);
		const sent = (await host.client.request('chat:send', { text: 'mine' })).ok.message as ChatMessage;
		const fan = await live.joined(gig.id, viewer);
		expect(await fan.client.request('chat:delete', { messageId: sent.id })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await fan.client.request('mod:timeout', { userId: creator.user.id, minutes: 5 })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await fan.client.request('mod:ban', { userId: creator.user.id })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
	});

	it('times a person out: they are told until when and cannot post, everyone else can', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const fan = await live.joined(gig.id, viewer);
		const host = await live.joined(gig.id, creator);
		const before = Date.now();
		const answer = await host.client.request('mod:timeout', { userId: viewer.user.id, minutes: 5 });
		expect(answer.ok.until).toBeGreaterThanOrEqual(before + 5 * 60_000);
		const told = await fan.client.event('moderated', 'the viewer was told about the time-out', (e) => e.action === 'timeout');
		expect(told).toEqual({ action: 'timeout', until: answer.ok.until });

		const refused = await fan.client.request('chat:send', { text: 'but why' });
		expect(refused).toMatchObject({ error: { code: 'TIMED_OUT' } });
		expect(refused.error.message).toMatch(/5 minutes/);
		expect(await host.client.request('chat:send', { text: 'carry on' })).toHaveProperty('ok');
		// Joining again (a reload) still shows the time-out.
		expect((await live.joined(gig.id, viewer)).answer.you.timedOutUntil).toBe(answer.ok.until);
	});

	it('checks time-out lengths and who is moderated', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const host = await live.joined(gig.id, creator);
		for (const minutes of [0, 1441, 2.5]) {
			expect(await host.client.request('mod:timeout', { userId: viewer.user.id, minutes })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		}
		expect(await host.client.request('mod:timeout', { userId: 'nobody', minutes: 5 })).toMatchObject({ error: { code: 'PERSON_NOT_FOUND' } });
		expect(await host.client.request('mod:ban', { userId: creator.user.id })).toMatchObject({ error: { code: 'CANNOT_MODERATE' } });
	});

	it('lets an admin moderate any gig, and never bans an admin', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const admin = await live.make.person();
		await live.server.redis.hset(`gs:user:${admin.user.id}`, 'role', 'admin');
		const mod = await live.joined(gig.id, admin);
		expect(mod.answer.you).toMatchObject({ role: 'admin', canModerate: true });
		expect(await mod.client.request('mod:timeout', { userId: viewer.user.id, minutes: 1 })).toHaveProperty('ok.until');
		const host = await live.joined(gig.id, creator);
		expect(await host.client.request('mod:ban', { userId: admin.user.id })).toMatchObject({ error: { code: 'CANNOT_MODERATE' } });
	});

	it('bans a person from chat and stream: disconnected at once, refused afterwards, in this gig only', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const other = await live.make.show();
		await live.make.ticket(other.gig, viewer);
		const fan = await live.joined(gig.id, viewer);
		const elsewhere = await live.joined(other.gig.id, viewer);
		const media = await live.media(viewer.cookie);
		expect(await media.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
		const host = await live.joined(gig.id, creator);

		expect(await host.client.request('mod:ban', { userId: viewer.user.id })).toEqual({ ok: null });
		await fan.client.disconnected('the banned viewer’s chat connection was closed');
		await expect.poll(() => media.socket.connected, { message: 'the banned viewer’s media connection was closed' }).toBe(false);
		expect(elsewhere.client.socket.connected, 'the chat of another gig stays open').toBe(true);
		expect(await elsewhere.client.request('chat:send', { text: 'still welcome here' })).toHaveProperty('ok');

		const again = await live.client(viewer.cookie);
		expect(await again.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'BANNED' } });
		const mediaAgain = await live.media(viewer.cookie);
		expect(await mediaAgain.request('join', { gigId: gig.id, role: 'viewer' })).toMatchObject({ error: { code: 'BANNED' } });
	});

	it('lists the banned for moderators and lifts a ban: the person may come back', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const host = await live.joined(gig.id, creator);
		expect(await host.client.request('mod:banned', {})).toEqual({ ok: { banned: [] } });
		await host.client.request('mod:ban', { userId: viewer.user.id });
		expect(await host.client.request('mod:banned', {})).toEqual({ ok: { banned: [{ id: viewer.user.id, name: expect.any(String), colour: expect.any(String) }] } });

		const bystander = await live.make.person();
		await live.make.ticket(gig, bystander);
		const fan = await live.joined(gig.id, bystander);
		expect(await fan.client.request('mod:unban', { userId: viewer.user.id })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await fan.client.request('mod:banned', {})).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await host.client.request('mod:unban', { userId: '../../<b>' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await host.client.request('mod:banned', 'all of them')).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await host.client.request('mod:unban', { userId: viewer.user.id })).toEqual({ ok: { banned: [] } });
		expect(await host.client.request('mod:unban', { userId: viewer.user.id })).toMatchObject({ error: { code: 'NOT_BANNED' } });
		expect(await (await live.client(viewer.cookie)).request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		const media = await live.media(viewer.cookie);
		expect(await media.request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});
});
