/**
 * Issue 9 item 14: input a client chose must never reach an unexpected exception. It gets a
 * stable code, and nothing it repeats can fill the server's log.
 */
import { describe, expect, it } from 'vitest';
import { attackSiteForThisFile } from './support/attack-site.js';

const site = attackSiteForThisFile();

/** The server's log lines at error level or worse since `from`. */
const errorLines = (from: number) => site.server.logs.slice(from).filter((line) => /"level":(50|60)/.test(line));

const MALFORMED_COOKIES = ['gs_session=%E0%A4%A', 'gs_session=%', 'gs_session=%ZZ', 'gs_session=%C0%80', `gs_session=${'%'.repeat(300)}`, 'gs_session', 'gs_session==; =gs_session'];

describe('bad input', () => {
	it('treats a malformed session cookie as no session on both namespaces and on pages, without logging an error', async () => {
		const { gig } = await site.make.show();
		const from = site.server.logs.length;
		for (const cookie of MALFORMED_COOKIES) {
			for (let i = 0; i < 5; i++) {
				const media = await site.media({ cookie });
				expect(await media.request('join', { gigId: gig.id, role: 'viewer' }), cookie).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
				const live = await site.live({ cookie });
				expect(await live.request('live:join', { gigId: gig.id }), cookie).toMatchObject({ error: { code: 'LOGIN_REQUIRED' } });
				expect(await live.request('live:follow', { gigId: gig.id }), cookie).toHaveProperty('ok');
				media.close();
				live.close();
			}
			const page = await fetch(`${site.url}/gigs/${gig.id}`, { headers: { cookie } });
			expect(page.status, `the gig page with ${cookie}`).toBe(200);
		}
		expect(errorLines(from)).toEqual([]);
	});

	it('answers chat:older before the very first message id with an empty page', async () => {
		const { gig, viewer } = await site.make.show();
		const from = site.server.logs.length;
		const chat = await site.live({ cookie: viewer.cookie });
		expect(await chat.request('live:join', { gigId: gig.id })).toHaveProperty('ok');
		expect(await chat.request('chat:send', { text: 'first' })).toHaveProperty('ok');
		for (const before of ['0-0', '00-000', '0000000000-0000000000', '1-0', '999999999999999-9999999999']) {
			for (let i = 0; i < 10; i++) {
				const answer = await chat.request('chat:older', { before });
				expect(answer, before).toHaveProperty('ok.messages');
			}
		}
		expect((await chat.request('chat:older', { before: '0-0' })).ok).toEqual({ messages: [], hasOlder: false });
		expect(errorLines(from)).toEqual([]);
	});

	it('refuses events named with numbers or reserved words with UNKNOWN_MESSAGE', async () => {
		const c = await site.media();
		const numbered = await new Promise((resolve) => (c.socket as any).emit(42, {}, resolve));
		expect(numbered).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
		for (const name of ['constructor', 'hasOwnProperty', '__proto__', 'toString']) {
			expect(await c.request(name, {}), name).toMatchObject({ error: { code: 'UNKNOWN_MESSAGE' } });
		}
	});
});
