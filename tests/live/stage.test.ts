import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from './single-node.js';
import type { TestClient } from '../support/server.js';
import type { Person } from '../support/fixtures.js';
import { opusParameters, vp8Parameters, waitFor } from '../support/media.js';
import { MAX_GUESTS, type StageSnapshot } from '../../src/lib/live/messages.js';
import type { ShowSnapshot } from '../../src/lib/signaling/messages.js';
import type { Gig } from '../../src/lib/server/gigs/gigs.js';

// People who close every page of the gig leave the stage after the presence time-to-live.
const live = liveServerForThisFile({ PRESENCE_TTL_SECONDS: '1' });
const media = (person: Person): Promise<TestClient> => live.media(person.cookie);

/** Joins `/media` in `role` and publishes a (silent) camera and microphone; returns the connection. */
async function publishing(gig: Gig, person: Person, role: 'host' | 'guest') {
	const c = await media(person);
	const joined = await c.request('join', { gigId: gig.id, role });
	if (!('ok' in joined)) return { c, refused: joined.error };
	const transport = (await c.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
	for (const [kind, source, rtpParameters] of [
		['video', 'camera', vp8Parameters(Math.floor(Math.random() * 1e8))],
		['audio', 'microphone', opusParameters(Math.floor(Math.random() * 1e8))]
	] as const) {
		expect(await c.request('produce', { transportId: transport.ok.id, kind, source, rtpParameters })).toHaveProperty('ok.producerId');
	}
	return { c, transportId: transport.ok.id, refused: null };
}

/** A live show: the host publishing, the show started. */
async function liveShow() {
	const { gig, creator, viewer } = await live.make.show();
	const host = await publishing(gig, creator, 'host');
	expect(await host.c.request('show:start', {})).toHaveProperty('ok');
	return { gig, creator, viewer, host: host.c };
}

/** A viewer's `/media` connection collecting show snapshots. */
async function watcher(gig: Gig, person: Person) {
	const c = await media(person);
	const shows: ShowSnapshot[] = [];
	c.socket.on('show', (s: ShowSnapshot) => shows.push(s));
	const joined = (await c.request('join', { gigId: gig.id, role: 'viewer' })) as { ok: { show: ShowSnapshot; rtpCapabilities: unknown } };
	shows.push(joined.ok.show);
	return { c, shows, latest: () => shows.at(-1)!, rtpCapabilities: joined.ok.rtpCapabilities };
}

const names = (people: { id: string }[]) => people.map((p) => p.id);

/** A viewer with a ticket, invited and accepted, so on stage as a guest in `/live`. */
async function guestOnStage(gig: Gig, host: Awaited<ReturnType<typeof live.joined>>) {
	const person = await live.make.person();
	await live.make.ticket(gig, person);
	const fan = await live.joined(gig.id, person);
	expect(await fan.client.request('stage:raise', {})).toHaveProperty('ok');
	expect(await host.client.request('stage:invite', { userId: person.user.id })).toHaveProperty('ok');
	expect(await fan.client.request('stage:accept', {})).toHaveProperty('ok');
	return { person, fan };
}

describe('bringing a viewer on stage', () => {
	it('queues a raised hand for the host, who invites; the guest accepts and publishes, and viewers get host and guest', async () => {
		const { gig, creator, viewer } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const fan = await live.joined(gig.id, viewer);
		expect(fan.answer.stage).toEqual({ hands: [], invited: [], guests: [] });

		const raised = await fan.client.request('stage:raise', {});
		expect(names(raised.ok.stage.hands)).toEqual([viewer.user.id]);
		const seen = await host.client.event('stage', 'the host sees the raised hand', (s) => s.hands.length === 1);
		expect(seen.hands[0]).toMatchObject({ id: viewer.user.id, name: expect.any(String), since: expect.any(Number) });

		// Publishing before the invitation is accepted is refused.
		expect((await publishing(gig, viewer, 'guest')).refused).toMatchObject({ code: 'NOT_ON_STAGE' });

		expect((await host.client.request('stage:invite', { userId: viewer.user.id })).ok.stage.invited.map((p: { id: string }) => p.id)).toEqual([viewer.user.id]);
		await fan.client.event('stage', 'the viewer sees the invitation', (s) => s.invited.some((p) => p.id === viewer.user.id));
		expect(names((await fan.client.request('stage:accept', {})).ok.stage.guests)).toEqual([viewer.user.id]);

		const audience = await live.make.person();
		await live.make.ticket(gig, audience);
		const third = await watcher(gig, audience);
		const guest = await publishing(gig, viewer, 'guest');
		expect(guest.refused).toBeNull();
		await waitFor('the third viewer is told about the guest’s tracks', () => third.latest().tracks.length === 4);
		const byRole = (role: string) => third.latest().tracks.filter((t) => t.participant.role === role);
		expect(byRole('host').map((t) => t.source).sort()).toEqual(['camera', 'microphone']);
		expect(byRole('guest').map((t) => [t.source, t.participant.id]).sort()).toEqual([
			['camera', viewer.user.id],
			['microphone', viewer.user.id]
		]);
		// A viewer consumes the guest's camera like the host's.
		const recv = (await third.c.request('transport:create', { direction: 'recv' })) as { ok: { id: string } };
		const guestCamera = byRole('guest').find((t) => t.kind === 'video')!;
		expect(await third.c.request('consume', { transportId: recv.ok.id, producerId: guestCamera.producerId, rtpCapabilities: third.rtpCapabilities })).toHaveProperty('ok.id');
	});

	it('lets the host send a guest back: their media connection closes, their tracks leave the show, and they cannot publish again', async () => {
		const { gig, creator } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const { person, fan } = await guestOnStage(gig, host);
		const guest = await publishing(gig, person, 'guest');
		const audience = await live.make.person();
		await live.make.ticket(gig, audience);
		const third = await watcher(gig, audience);
		await waitFor('the guest’s tracks are in the show', () => third.latest().tracks.length === 4);

		const removed = await host.client.request('stage:remove', { userId: person.user.id });
		expect(removed.ok.stage).toEqual({ hands: [], invited: [], guests: [] });
		await waitFor('the guest’s publishing connection is closed by the server', () => guest.c.socket.disconnected);
		await waitFor('the guest’s tracks leave the show', () => third.latest().tracks.length === 2);
		expect(third.latest().tracks.every((t) => t.participant.role === 'host')).toBe(true);
		await fan.client.event('stage', 'the former guest is told', (s) => s.guests.length === 0);
		expect((await publishing(gig, person, 'guest')).refused).toMatchObject({ code: 'NOT_ON_STAGE' });
		// Still in the audience: watching works.
		expect(await (await media(person)).request('join', { gigId: gig.id, role: 'viewer' })).toHaveProperty('ok');
	});

	it('lets a guest leave the stage by themselves, and a viewer lower a hand or decline an invitation', async () => {
		const { gig, creator } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const { person, fan } = await guestOnStage(gig, host);
		const guest = await publishing(gig, person, 'guest');
		expect((await fan.client.request('stage:leave', {})).ok.stage.guests).toEqual([]);
		await waitFor('the guest’s publishing connection closes', () => guest.c.socket.disconnected);
		expect(await fan.client.request('stage:leave', {})).toMatchObject({ error: { code: 'STAGE_CONFLICT' } });

		expect(await fan.client.request('stage:raise', {})).toHaveProperty('ok');
		expect((await fan.client.request('stage:leave', {})).ok.stage.hands).toEqual([]);
		expect(await fan.client.request('stage:raise', {})).toHaveProperty('ok');
		expect(await host.client.request('stage:invite', { userId: person.user.id })).toHaveProperty('ok');
		expect((await fan.client.request('stage:leave', {})).ok.stage).toEqual({ hands: [], invited: [], guests: [] });
		expect(await fan.client.request('stage:accept', {})).toMatchObject({ error: { code: 'STAGE_CONFLICT' } });
	});

	it('refuses moves that do not fit: inviting without a raised hand, viewers inviting, the host queueing, a guest sharing a screen', async () => {
		const { gig, creator, viewer } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const fan = await live.joined(gig.id, viewer);
		expect(await host.client.request('stage:invite', { userId: viewer.user.id })).toMatchObject({ error: { code: 'STAGE_CONFLICT' } });
		expect(await host.client.request('stage:invite', { userId: '<script>' })).toMatchObject({ error: { code: 'BAD_REQUEST' } });
		expect(await fan.client.request('stage:raise', {})).toHaveProperty('ok');
		expect(await fan.client.request('stage:raise', {})).toMatchObject({ error: { code: 'STAGE_CONFLICT' } });
		expect(await fan.client.request('stage:invite', { userId: viewer.user.id })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await fan.client.request('stage:remove', { userId: viewer.user.id })).toMatchObject({ error: { code: 'NOT_MODERATOR' } });
		expect(await host.client.request('stage:raise', {})).toMatchObject({ error: { code: 'HOST_ON_STAGE' } });

		expect(await host.client.request('stage:invite', { userId: viewer.user.id })).toHaveProperty('ok');
		expect(await fan.client.request('stage:accept', {})).toHaveProperty('ok');
		const guest = await media(viewer);
		expect(await guest.request('join', { gigId: gig.id, role: 'guest' })).toHaveProperty('ok');
		const transport = (await guest.request('transport:create', { direction: 'send' })) as { ok: { id: string } };
		expect(await guest.request('produce', { transportId: transport.ok.id, kind: 'video', source: 'screen', rtpParameters: vp8Parameters() })).toMatchObject({
			error: { code: 'BAD_REQUEST' }
		});
		// A guest is not the host: the show is not theirs to end.
		expect(await guest.request('show:end', {})).toMatchObject({ error: { code: 'NOT_HOST' } });
	});

	it(`holds at most ${MAX_GUESTS} guests and invitations at once`, async () => {
		const { gig, creator } = await liveShow();
		const host = await live.joined(gig.id, creator);
		for (let i = 0; i < MAX_GUESTS; i++) await guestOnStage(gig, host);
		const extra = await live.make.person();
		await live.make.ticket(gig, extra);
		const fan = await live.joined(gig.id, extra);
		expect(await fan.client.request('stage:raise', {})).toHaveProperty('ok');
		const full = await host.client.request('stage:invite', { userId: extra.user.id });
		expect(full).toMatchObject({ error: { code: 'STAGE_FULL' } });
		expect(full.error.message).toMatch(/stage is full/);
	});

	it('takes people off the stage once every page of theirs has been closed for the grace time, not while one is open', async () => {
		const { gig, creator, viewer } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const { person, fan } = await guestOnStage(gig, host);
		const guest = await publishing(gig, person, 'guest');
		const hand = await live.joined(gig.id, viewer);
		expect(await hand.client.request('stage:raise', {})).toHaveProperty('ok');
		// A second page of the guest's stays open while the first closes: they keep their place.
		const secondPage = await live.joined(gig.id, person);
		fan.client.close();
		hand.client.close();
		await host.client.event('stage', 'the raised hand is dropped when its page closed', (s: StageSnapshot) => s.hands.length === 0, 5000);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect((await live.joined(gig.id, creator)).answer.stage.guests.map((p: { id: string }) => p.id)).toEqual([person.user.id]);

		secondPage.client.close();
		await host.client.event('stage', 'the guest leaves the stage when their last page closed', (s: StageSnapshot) => s.guests.length === 0, 5000);
		await waitFor('the guest’s publishing connection closes', () => guest.c.socket.disconnected);
	});

	it('empties the stage when the show ends, and takes a banned guest off it', async () => {
		const { gig, creator, host: hostMedia } = await liveShow();
		const host = await live.joined(gig.id, creator);
		const first = await guestOnStage(gig, host);
		const second = await guestOnStage(gig, host);
		const guest = await publishing(gig, first.person, 'guest');

		expect(await host.client.request('mod:ban', { userId: second.person.user.id })).toHaveProperty('ok');
		await host.client.event('stage', 'the banned guest leaves the stage', (s: StageSnapshot) => s.guests.length === 1);

		expect(await hostMedia.request('show:end', {})).toHaveProperty('ok');
		await host.client.event('stage', 'the stage empties when the show ends', (s: StageSnapshot) => s.guests.length === 0);
		await waitFor('the guest’s publishing connection closes with the show', () => guest.c.socket.disconnected);
		expect((await live.joined(gig.id, first.person)).answer.stage).toEqual({ hands: [], invited: [], guests: [] });
	});
});
