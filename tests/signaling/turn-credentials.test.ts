import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverForThisFile } from '../support/server.js';
import { freePort, startCoturn, type Coturn } from '../support/coturn.js';
import { TurnClient } from '../support/turn-client.js';
import { IceServers, TURN_CREDENTIAL_LIFETIME_SECONDS } from '../../server/signaling/ice-servers.js';
import type { IceServer } from '../../src/lib/signaling/messages.js';

// A real coturn on loopback, set up as docs/coturn.conf says, sharing its secret with the server.
const SECRET = `turn-credentials-test-${process.pid}`;
const env: Record<string, string> = {};
let coturn: Coturn;
beforeAll(async () => {
	coturn = await startCoturn({ ip: '127.0.0.1', port: await freePort(), secret: SECRET });
	Object.assign(env, { ICE_SERVERS: `stun:127.0.0.1:${coturn.port},turn:127.0.0.1:${coturn.port}?transport=udp`, TURN_SECRET: SECRET });
});
afterAll(() => coturn?.stop());
const site = serverForThisFile(env);

const turnOf = (servers: IceServer[]) => servers.find((s) => s.urls.some((u) => u.startsWith('turn:')));

/** Asks coturn for a relay with a credential, the way a browser does. */
async function allocate(username: string, credential: string) {
	const client = new TurnClient('127.0.0.1', coturn.port);
	try {
		return await client.allocate(username, credential);
	} finally {
		client.close();
	}
}

describe('TURN credentials', () => {
	it('come with a ticket holder’s media transport, and coturn gives a relay for them', async () => {
		const { gig, viewer } = await site.make.show();
		const c = await site.media(viewer.cookie);
		const joined = await c.request('join', { gigId: gig.id, role: 'viewer' });
		expect(JSON.stringify(joined), 'joining hands out no credential').not.toContain('credential');
		const answer = (await c.request('transport:create', { direction: 'recv' })) as { ok: { iceServers: IceServer[] } };
		const servers = answer.ok.iceServers;
		expect(servers).toContainEqual({ urls: [`stun:127.0.0.1:${coturn.port}`] });
		const turn = turnOf(servers)!;
		expect(turn.urls).toEqual([`turn:127.0.0.1:${coturn.port}?transport=udp`]);
		const [expiry, holder] = turn.username!.split(':');
		const lifetime = Number(expiry) - Date.now() / 1000;
		expect(lifetime, 'short-lived').toBeGreaterThan(TURN_CREDENTIAL_LIFETIME_SECONDS - 30);
		expect(lifetime).toBeLessThanOrEqual(TURN_CREDENTIAL_LIFETIME_SECONDS);
		expect(holder, 'named after the connection').toBe(c.socket.id);
		expect(await allocate(turn.username!, turn.credential!)).toEqual({ ok: true });
	});

	it('are never given to someone without a ticket, logged out, or not joined', async () => {
		const { gig } = await site.make.show();
		const stranger = await site.make.person();
		for (const cookie of [stranger.cookie, undefined]) {
			const c = await site.media(cookie);
			const answers = [await c.request('join', { gigId: gig.id, role: 'viewer' }), await c.request('transport:create', { direction: 'recv' })];
			expect(answers.map((a) => ('error' in a ? a.error.code : 'ok'))).toEqual([cookie ? 'TICKET_REQUIRED' : 'LOGIN_REQUIRED', 'NOT_JOINED']);
			expect(JSON.stringify(answers)).not.toMatch(/credential|turn:/);
		}
	});

	it('expire: coturn refuses them once their lifetime is over, and refuses forged ones', async () => {
		const issuedLongAgo = new IceServers([`turn:127.0.0.1:${coturn.port}`], SECRET, () => Date.now() - (TURN_CREDENTIAL_LIFETIME_SECONDS + 5) * 1000);
		const expired = turnOf(issuedLongAgo.for('viewer-1'))!;
		expect(await allocate(expired.username!, expired.credential!)).toMatchObject({ ok: false, code: 401 });

		const fresh = turnOf(new IceServers([`turn:127.0.0.1:${coturn.port}`], SECRET).for('viewer-1'))!;
		expect(await allocate(fresh.username!, fresh.credential!)).toEqual({ ok: true });
		const forged = turnOf(new IceServers([`turn:127.0.0.1:${coturn.port}`], 'not-the-shared-secret').for('viewer-1'))!;
		expect(await allocate(forged.username!, forged.credential!)).toMatchObject({ ok: false, code: 401 });
		// A later username with the old password: the expiry cannot be pushed out by hand.
		const stretched = `${Number(fresh.username!.split(':')[0]) + 3600}:viewer-1`;
		expect(await allocate(stretched, fresh.credential!)).toMatchObject({ ok: false, code: 401 });
	});
});

describe('without ICE servers configured', () => {
	it('hands out none: browsers connect straight to the SFU', () => {
		expect(new IceServers([], undefined).for('anyone')).toEqual([]);
	});
});
