/**
 * Impersonation through display names (issue 9, item 15): a name like "Live Creator\u202e \n[admin]"
 * was accepted at sign-up and shown in chat. Names follow the chat text rule now (one line,
 * nothing hidden, trimmed, bounded): the attacks below go through the real server process, its
 * sign-up and account forms and raw `/live` Socket.IO clients, and check what anyone else sees.
 */
import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import { connectLive, type LiveClient } from '../live/clients.js';

const site = siteForThisFile({ browser: false });
const password = 'correct horse battery staple';
let counter = 0;
const email = () => `names-${Date.now().toString(36)}-${counter++}@example.test`;

/** Names that try to look like someone or something else, or to hide what they are. */
const HOSTILE = {
	'the reported one': 'Live Creator\u202e \n[admin]',
	'a right-to-left override': 'Ann\u202eeviL',
	'isolates': 'Ann\u2066Bob\u2069',
	'direction marks': 'Ann\u200fB\u061cC',
	'a newline': 'Ann\nCreator',
	'a carriage return': 'Ann\rAdmin',
	'a line separator': 'Ann\u2028Admin',
	'a next-line control': 'Ann\u0085Admin',
	'a NUL': 'Ann\u0000Admin',
	'a bell': 'Ann\u0007',
	'a zero-width space': 'Cre\u200bator',
	'a byte-order mark': 'Cre\ufeffator',
	'a soft hyphen': 'Cre\u00adator',
	'tag characters': 'Ann\u{E0041}\u{E0064}\u{E006D}',
	'only joiners': '\u200d\u200d\u200d',
	'only spaces': '      ',
	'one letter': 'x',
	'too long': 'A'.repeat(41),
	'too long once cleaned is still refused': 'B'.repeat(200)
};

async function signUp(displayName: string | undefined) {
	const http = new HttpClient(site.url);
	const address = email();
	const fields: Record<string, string> = { email: address, password };
	if (displayName !== undefined) fields.displayName = displayName;
	return { http, address, answer: await http.post('/signup', fields) };
}

async function joinChat(gigId: string, cookie: string): Promise<{ client: LiveClient; you: { name: string } }> {
	const client = await connectLive(site.url, cookie);
	const joined = await client.request('live:join', { gigId });
	if (!joined.ok) throw new Error(`live:join refused: ${JSON.stringify(joined)}`);
	return { client, you: joined.ok.you };
}

const visible = (name: string) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name.replace(/[\u200c\u200d]/g, ''));

describe('display names cannot impersonate', () => {
	it.each(Object.entries(HOSTILE))('sign-up refuses a name with %s, and no account is made', async (_, name) => {
		const { http, address, answer } = await signUp(name);
		expect(answer.status).toBe(400);
		expect(answer.text).toMatch(/Use one line of visible characters|Use at least|Use at most|letter or number|Choose a display name/);
		expect(http.session).toBeUndefined();
		expect(await site.redis.get(`gs:user-email:${address}`)).toBeNull();
	});

	it('sign-up without any name, or with a list of names, is refused', async () => {
		expect((await signUp(undefined)).answer.status).toBe(400);
		const http = new HttpClient(site.url);
		const body = new URLSearchParams([['email', email()], ['password', password], ['displayName', 'Ann'], ['displayName', 'Ann\u202e']]);
		const answer = await fetch(`${site.url}/signup`, { method: 'POST', body, headers: { origin: site.url, accept: 'text/html' }, redirect: 'manual' });
		// Only one value is read: the first, and it is fine; the second never reaches the name.
		expect([303, 400]).toContain(answer.status);
		expect(http.session).toBeUndefined();
	});

	it.each(Object.entries(HOSTILE))('the account page refuses a name with %s and keeps the old one', async (_, name) => {
		// Made straight in Redis: sign-ups from one address are rate-limited.
		const person = await site.make.person();
		const http = new HttpClient(site.url).useSession(person.token);
		const answer = await http.post('/me?/profile', { displayName: name, avatarColour: 'teal' });
		expect(answer.status).toBe(400);
		expect(await site.redis.hget(`gs:user:${person.user.id}`, 'displayName')).toBe(person.user.displayName);
	});

	it('keeps a fine name, trimmed, with runs of spaces made one, and refuses a colour outside the palette', async () => {
		const { http, address } = await signUp('   Ann    Lee  ');
		const id = (await site.redis.get(`gs:user-email:${address}`))!;
		expect(await site.redis.hget(`gs:user:${id}`, 'displayName')).toBe('Ann Lee');
		expect((await http.post('/me?/profile', { displayName: 'Ann Lee', avatarColour: 'red;background:url(x)' })).status).toBe(400);
		expect((await http.post('/me?/profile', { displayName: 'Zoë 🎸 Ünal', avatarColour: 'violet' })).status).toBe(200);
		expect(await site.redis.hmget(`gs:user:${id}`, 'displayName', 'avatarColour')).toEqual(['Zoë 🎸 Ünal', 'violet']);
		expect((await http.post('/me?/profile', { displayName: 'A'.repeat(40) })).status).toBe(200);
	});

	it('a name stored before the rules is shown cleaned in chat, the raised-hand queue and the ban list', async () => {
		const { gig, creator, viewer } = await site.make.show();
		// As an account from before the rules would have it.
		await site.redis.hset(`gs:user:${viewer.user.id}`, 'displayName', 'Live Creator\u202e \n[admin]\u0000');
		const fan = await joinChat(gig.id, viewer.cookie);
		const host = await joinChat(gig.id, creator.cookie);
		try {
			expect(fan.you.name).toBe('Live Creator [admin]');
			const sent = await fan.client.request('chat:send', { text: 'hi\u202e\nthere\u2066' });
			expect(sent.ok.message).toMatchObject({ name: 'Live Creator [admin]', text: 'hi there' });
			const seen = await host.client.event('chat:message', 'the host sees the message', (m) => m.userId === viewer.user.id);
			expect(seen.name).toBe('Live Creator [admin]');
			expect(visible(seen.name) && visible(seen.text)).toBe(true);

			const raised = await fan.client.request('stage:raise', {});
			expect(raised.ok.stage.hands.map((p: { name: string }) => p.name)).toEqual(['Live Creator [admin]']);

			expect((await host.client.request('mod:ban', { userId: viewer.user.id })).ok).toBeNull();
			const banned = await host.client.request('mod:banned', {});
			expect(banned.ok.banned).toEqual([expect.objectContaining({ id: viewer.user.id, name: 'Live Creator [admin]' })]);
		} finally {
			fan.client.close();
			host.client.close();
		}
	});

	it('the chat refuses nothing but cleans the same characters out of a message', async () => {
		const { gig, viewer } = await site.make.show();
		const fan = await joinChat(gig.id, viewer.cookie);
		try {
			for (const text of Object.values(HOSTILE).slice(0, 14)) {
				const answer = await fan.client.request('chat:send', { text });
				if (answer.error) {
					expect(answer.error.code).toMatch(/BAD_REQUEST|RATE_LIMITED/);
					continue;
				}
				expect(visible(answer.ok.message.text)).toBe(true);
				expect(answer.ok.message.text).not.toMatch(/\n|\r/);
			}
		} finally {
			fan.client.close();
		}
	});
});
