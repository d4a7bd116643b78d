import { describe, expect, it } from 'vitest';
import { Sessions, sessionId } from '../../src/lib/server/accounts/sessions.js';
import { redisForThisFile } from '../support/redis.js';

const store = redisForThisFile();
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

describe('sessions', () => {
	it('lists a person’s sessions with their device, and forgets ended ones', async () => {
		const sessions = new Sessions(store.redis);
		const phone = await sessions.create('alice', { agent: FIREFOX });
		const laptop = await sessions.create('alice', { agent: 'curl/8' });
		await sessions.create('bob');
		const listed = await sessions.list('alice');
		expect(listed.map((s) => s.id).sort()).toEqual([sessionId(phone), sessionId(laptop)].sort());
		expect(listed.find((s) => s.id === sessionId(phone))?.agent).toBe(FIREFOX);
		await sessions.end(laptop);
		expect((await sessions.list('alice')).map((s) => s.id)).toEqual([sessionId(phone)]);
		// An expired session drops off the list when it is read.
		await store.redis.del(`gs:session:${sessionId(phone)}`);
		expect(await sessions.list('alice')).toEqual([]);
	});

	it('ends one session by id only for its owner', async () => {
		const sessions = new Sessions(store.redis);
		const token = await sessions.create('alice');
		expect(await sessions.endById('bob', sessionId(token))).toBe(false);
		expect(await sessions.resolve(token)).toMatchObject({ userId: 'alice' });
		expect(await sessions.endById('alice', sessionId(token))).toBe(true);
		expect(await sessions.resolve(token)).toBeNull();
	});

	it('ends every other session, keeping the one in use', async () => {
		const sessions = new Sessions(store.redis);
		const here = await sessions.create('alice');
		const others = [await sessions.create('alice'), await sessions.create('alice')];
		const ended = await sessions.endAll('alice', sessionId(here));
		expect(ended.sort()).toEqual(others.map(sessionId).sort());
		for (const token of others) expect(await sessions.resolve(token)).toBeNull();
		expect(await sessions.resolve(here)).toMatchObject({ userId: 'alice' });
	});

	it('ends sessions made before the list existed once the person ends sessions in bulk', async () => {
		const sessions = new Sessions(store.redis);
		const legacy = 'a-token-from-before-sessions-were-listed';
		await store.redis.set(`gs:session:${sessionId(legacy)}`, 'alice', 'EX', 3600);
		// Still good, and listed from its next use on.
		expect(await sessions.resolve(legacy)).toMatchObject({ userId: 'alice' });
		await store.redis.hdel('gs:user-sessions:alice', sessionId(legacy)); // as if never listed
		await sessions.endAll('alice');
		expect(await sessions.resolve(legacy)).toBeNull();
	});
});
