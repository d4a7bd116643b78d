import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from '../live/single-node.js';

const live = liveServerForThisFile({ ACCOUNT_ERASURE_DAYS: '30' });
const DAY = 24 * 3600_000;
const password = 'correct horse battery staple';
const domain = () => live.server.server.domain;

describe('deleting an account', () => {
	it('signs the person out everywhere at once, closes their sockets and takes their name off the chat', async () => {
		const { creator, gig, viewer } = await live.make.show();
		const { client: chat } = await live.joined(gig.id, viewer);
		expect((await chat.request('chat:send', { gigId: gig.id, text: 'hello from soon-gone' })).ok).toBeDefined();
		const media = await live.media(viewer.cookie);
		const { client: other } = await live.joined(gig.id, creator);

		await domain().account.deletion.delete(viewer.user, { currentPassword: password });

		await chat.disconnected('the deleted person’s chat connection is closed');
		await expect.poll(() => media.socket.disconnected, { message: 'the deleted person’s media connection is closed' }).toBe(true);
		expect(other.socket.connected).toBe(true);
		expect(await domain().accounts.userForSession(viewer.token)).toBeNull();
		expect(await domain().accounts.user(viewer.user.id)).toBeNull();
		const history = await domain().chat.messages.recent(gig.id, 100);
		expect(history.messages.map((m) => m.name)).toEqual(['Deleted account']);
		expect(JSON.stringify(history)).not.toContain(viewer.user.email);
		// The seat stays sold for the creator's numbers.
		expect(await domain().tickets.sold(gig.id)).toBe(1);
	});

	it('leaves every follower count and list of followed creators at once, as follower and as creator', async () => {
		const { follows } = domain().creators;
		const [fan, creator, other] = [await live.make.person(), await live.make.person('creator'), await live.make.person('creator')];
		await follows.follow(fan.user.id, creator.user.id);
		await follows.follow(fan.user.id, other.user.id);
		await follows.follow(other.user.id, creator.user.id);
		await follows.follow(creator.user.id, other.user.id);

		await domain().account.deletion.delete(creator.user, { currentPassword: password });

		expect(await follows.following(fan.user.id)).toEqual([other.user.id]);
		expect(await follows.following(other.user.id)).toEqual([]);
		expect(await follows.followerCount(other.user.id), 'the fan, not the deleted creator').toBe(1);
		expect(await follows.followerCount(creator.user.id)).toBe(0);
	});

	it('takes a creator’s unsold upcoming gigs off the listings, and refuses while one has sold tickets', async () => {
		const creator = await live.make.person('creator');
		const unsold = await live.make.gig(creator, { title: 'Nobody came' });
		const sold = await live.make.gig(creator, { title: 'Sold one' });
		await live.make.ticket(sold, await live.make.person());
		await expect(domain().account.deletion.delete(creator.user, { currentPassword: password })).rejects.toMatchObject({ code: 'ACCOUNT_HAS_GIGS', message: expect.stringContaining('Sold one') });
		await domain().gigs.cancel(sold.id, creator.user);
		await domain().account.deletion.delete(creator.user, { currentPassword: password });
		expect((await domain().gigs.get(unsold.id))?.status).toBe('cancelled');
		const listed = (await domain().gigs.upcoming({ limit: 100 })).gigs.map((g) => g.id);
		expect(listed).not.toContain(unsold.id);
		expect(listed).not.toContain(sold.id);
	});

	it('erases the personal data after the grace period: the email signs up again, tickets stay as anonymous seats, messages go', async () => {
		const { gig, viewer } = await live.make.show();
		const { client: chat } = await live.joined(gig.id, viewer);
		await chat.request('chat:send', { gigId: gig.id, text: 'remember me?' });
		const { eraseAt } = await domain().account.deletion.delete(viewer.user, { currentPassword: password });
		expect(eraseAt).toBeGreaterThan(Date.now() + 29 * DAY);
		// Within the grace period the address stays taken.
		await expect(domain().accounts.signUp({ email: viewer.user.email, password, displayName: 'Test Person' }, 'ip')).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
		expect(await domain().account.deletion.eraseDue(Date.now() + 29 * DAY)).toBe(0);
		expect(await domain().account.deletion.eraseDue(eraseAt + 1000)).toBeGreaterThanOrEqual(1);

		const record = await live.server.redis.hgetall(`gs:user:${viewer.user.id}`);
		expect(record).not.toHaveProperty('email');
		expect(record).not.toHaveProperty('passwordHash');
		expect(record.erasedAt).toBeDefined();
		expect(await domain().tickets.sold(gig.id)).toBe(1);
		expect(await domain().tickets.holders(gig.id)).toEqual([]);
		expect(await domain().tickets.forUser(viewer.user.id)).toEqual([]);
		expect((await domain().chat.messages.recent(gig.id, 100)).messages.map((m) => m.text)).not.toContain('remember me?');
		const again = await domain().accounts.signUp({ email: viewer.user.email, password, displayName: 'Test Person' }, 'ip');
		expect(again.id).not.toBe(viewer.user.id);
	});
});
