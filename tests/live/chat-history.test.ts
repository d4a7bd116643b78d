import { describe, expect, it } from 'vitest';
import { redisForThisFile } from '../support/redis.js';
import { ChatMessages } from '../../src/lib/server/chat/chat-messages.js';

const store = redisForThisFile();
const author = { userId: 'someone', name: 'Someone', role: 'viewer' as const };

describe('a gig’s chat history', () => {
	it('keeps only the configured number of newest messages', async () => {
		const messages = new ChatMessages(store.redis, 10);
		for (let i = 0; i < 25; i++) await messages.append('gig-a', author, `line ${i}`);
		const page = await messages.recent('gig-a', 100);
		expect(page.messages.map((m) => m.text)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${15 + i}`));
		expect(page.hasOlder).toBe(false);
	});

	it('removes a deleted message and says when there was none to remove', async () => {
		const messages = new ChatMessages(store.redis, 10);
		const kept = await messages.append('gig-b', author, 'kept');
		const gone = await messages.append('gig-b', author, 'gone');
		expect(await messages.remove('gig-b', gone.id)).toBe(true);
		expect(await messages.remove('gig-b', gone.id)).toBe(false);
		// A message of another gig is not this gig's to delete.
		expect(await messages.remove('gig-c', kept.id)).toBe(false);
		expect((await messages.recent('gig-b', 10)).messages.map((m) => m.text)).toEqual(['kept']);
	});
});
