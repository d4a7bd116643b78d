import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from './single-node.js';
import { ChatMessages } from '../../src/lib/server/chat/chat-messages.js';
import { CHAT_MAX_LENGTH, HISTORY_PAGE, OLDER_PAGE, type ChatMessage } from '../../src/lib/live/messages.js';

const live = liveServerForThisFile();

describe('who may chat', () => {
	it('refuses a logged-out visitor with LOGIN_REQUIRED and a person without a ticket with TICKET_REQUIRED', async () => {
		const { gig } = await live.make.show();
		const visitor = await live.client();
		expect(await visitor.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
		const stranger = await live.make.person();
		const noTicket = await live.client(stranger.cookie);
		expect(await noTicket.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'TICKET_REQUIRED' } });
		expect(await noTicket.request('chat:send', { text: 'let me in' })).toMatchObject({ error: { code: 'NOT_JOINED' } });
	});

	it('refuses a ticket holder whose ticket is for another gig, and an unknown gig', async () => {
		const { gig } = await live.make.show();
		const other = await live.make.show();
		const c = await live.client(other.viewer.cookie);
		expect(await c.request('live:join', { gigId: gig.id })).toMatchObject({ error: { code: 'TICKET_REQUIRED' } });
		expect(await c.request('live:join', { gigId: 'no-such-gig' })).toMatchObject({ error: { code: 'GIG_NOT_FOUND' } });
	});

	it('stops a person whose session ended from posting, though they are still connected', async () => {
		const { gig, viewer } = await live.make.show();
		const { client } = await live.joined(gig.id, viewer);
		await live.make.accounts.endSession(viewer.token);
		expect(await client.request('chat:send', { text: 'still here?' })).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
	});

	it('tells the joiner who they are in the chat', async () => {
		const { gig, creator, viewer } = await live.make.show();
		expect((await live.joined(gig.id, viewer)).answer.you).toMatchObject({ id: viewer.user.id, role: 'viewer', canModerate: false, timedOutUntil: null });
		expect((await live.joined(gig.id, creator)).answer.you).toMatchObject({ id: creator.user.id, role: 'creator', canModerate: true, name: creator.user.displayName });
	});
});

describe('messages', () => {
	it('reach everyone in the gig with the author’s name, badge and time', async () => {
		const { gig, creator, viewer } = await live.make.show();
		const fan = await live.joined(gig.id, viewer);
		const host = await live.joined(gig.id, creator);
		const before = Date.now();
		const sent = await host.client.request('chat:send', { text: 'welcome everyone' });
		const seen = await fan.client.event('chat:message', 'the viewer received the creator’s message', (m) => m.id === sent.ok.message.id);
		expect(seen).toMatchObject({ userId: creator.user.id, name: creator.user.displayName, role: 'creator', text: 'welcome everyone' });
		expect(seen.at).toBeGreaterThanOrEqual(before - 1000);
	});

	it('keep each gig’s chat to itself', async () => {
		const first = await live.make.show();
		const second = await live.make.show();
		const inFirst = await live.joined(first.gig.id, first.viewer);
		const inSecond = await live.joined(second.gig.id, second.viewer);
		await inFirst.client.request('chat:send', { text: 'only for the first gig' });
		await inSecond.client.request('chat:send', { text: 'only for the second gig' });
		await inSecond.client.event('chat:message', 'the second gig’s own message arrived', (m) => m.text === 'only for the second gig');
		await new Promise((r) => setTimeout(r, 200));
		expect(inSecond.client.received('chat:message').map((m) => m.text)).toEqual(['only for the second gig']);
		const later = await live.joined(second.gig.id, second.creator);
		expect(later.answer.history.map((m: ChatMessage) => m.text)).toEqual(['only for the second gig']);
		// A connection stays in the chat it joined.
		expect(await inFirst.client.request('live:join', { gigId: second.gig.id })).toMatchObject({ error: { code: 'ALREADY_JOINED' } });
	});

	it('are stored and delivered as the plain text that was typed, markup and all', async () => {
		const { gig, viewer, creator } = await live.make.show();
		const fan = await live.joined(gig.id, viewer);
		const payloads = ['<script>alert(1)</script>', '<img src=x onerror="alert(document.cookie)">', '"><svg/onload=alert(1)>', 'javascript:alert(1)', '&lt;b&gt;not bold&lt;/b&gt;'];
		for (const text of payloads) expect(await fan.client.request('chat:send', { text })).toMatchObject({ ok: { message: { text } } });
		const history = (await live.joined(gig.id, creator)).answer.history as ChatMessage[];
		expect(history.map((m) => m.text)).toEqual(payloads);
	}, 15_000);

	it('are trimmed to one clean line, and refused when empty or too long', async () => {
		const { gig, viewer } = await live.make.show();
		const { client } = await live.joined(gig.id, viewer);
		expect(await client.request('chat:send', { text: '  two\nlines\u202e reversed\u0007  ' })).toMatchObject({ ok: { message: { text: 'two lines reversed' } } });
		expect(await client.request('chat:send', { text: '   ' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await client.request('chat:send', { text: 'x'.repeat(CHAT_MAX_LENGTH + 1) })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await client.request('chat:send', { text: 'x'.repeat(CHAT_MAX_LENGTH) })).toHaveProperty('ok');
		expect(await client.request('chat:send', { text: 42 })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await client.request('chat:send', { text: 'x'.repeat(5000) })).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
	});

	it('are limited to five per five seconds, the sixth answered with RATE_LIMITED and a slow-down message', async () => {
		const { gig, viewer } = await live.make.show();
		const { client } = await live.joined(gig.id, viewer);
		for (let i = 1; i <= 5; i++) expect(await client.request('chat:send', { text: `message ${i}` })).toHaveProperty('ok');
		const sixth = await client.request('chat:send', { text: 'message 6' });
		expect(sixth).toMatchObject({ error: { code: 'RATE_LIMITED' } });
		expect(sixth.error.message).toMatch(/slow down/i);
		// Another gig has its own allowance.
		const other = await live.make.show();
		await live.make.ticket(other.gig, viewer);
		const elsewhere = await live.joined(other.gig.id, viewer);
		expect(await elsewhere.client.request('chat:send', { text: 'hello other gig' })).toHaveProperty('ok');
	});
});

describe('history', () => {
	it('gives the last messages on join and older ones a page at a time', async () => {
		const { gig, viewer, creator } = await live.make.show();
		const store = new ChatMessages(live.server.redis, 1000);
		const total = HISTORY_PAGE + OLDER_PAGE + 20;
		for (let i = 0; i < total; i++) await store.append(gig.id, { userId: creator.user.id, name: 'Creator', role: 'creator' }, `line ${i}`);

		const { client, answer } = await live.joined(gig.id, viewer);
		const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);
		expect(answer.history).toHaveLength(HISTORY_PAGE);
		expect(answer.history.at(-1).text).toBe(`line ${total - 1}`);
		expect(answer.hasOlder).toBe(true);

		const page = (await client.request('chat:older', { before: answer.history[0].id })).ok as { messages: ChatMessage[]; hasOlder: boolean };
		expect(texts(page.messages)).toEqual(Array.from({ length: OLDER_PAGE }, (_, i) => `line ${20 + i}`));
		expect(page.hasOlder).toBe(true);
		const last = (await client.request('chat:older', { before: page.messages[0]!.id })).ok as { messages: ChatMessage[]; hasOlder: boolean };
		expect(texts(last.messages)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`));
		expect(last.hasOlder).toBe(false);
		expect(await client.request('chat:older', { before: 'not-an-id' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
	}, 15_000);
});
