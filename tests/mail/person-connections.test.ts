/**
 * A reset password and a deleted account leave the person no session anywhere, so every open
 * chat and stream connection of theirs closes, on every node: also one whose session the
 * person's list of sessions does not hold (opened before the list existed, or on an older node).
 */
import { describe, expect, it } from 'vitest';
import { liveServerForThisFile } from '../live/single-node.js';
import { accountRoom } from '../../server/signaling/connections.js';
import { LIVE_NAMESPACE } from '../../src/lib/live/messages.js';
import type { Person } from '../support/fixtures.js';

const live = liveServerForThisFile();
const password = 'correct horse battery staple';
const domain = () => live.server.server.domain;

/** A second session of `person` with an open chat connection, taken off their list of sessions. */
async function unlistedConnection(person: Person) {
	const token = await domain().accounts.createSession(person.user.id);
	const client = await live.client(`gs_session=${token}`);
	const room = live.server.server.io.of(LIVE_NAMESPACE).in(accountRoom(person.user.id));
	// Only once the server has put it among the person's connections is it theirs to close.
	await expect.poll(async () => (await room.fetchSockets()).length, { message: 'the connection joined its person’s room' }).toBe(1);
	await live.make.unlistSession(person.user.email, token);
	return { client, token };
}

describe('every connection of a person closes', () => {
	it('when their password is reset from a mailed link', async () => {
		const person = await live.make.person();
		const { client, token } = await unlistedConnection(person);
		const link = await domain().accounts.tokens.issue('reset-password', person.user.id);

		const { sessionToken } = await domain().account.reset.reset(link, { password: 'a brand new passphrase' }, {});

		await client.disconnected('the connection of the session not on the list is closed');
		expect(await domain().accounts.userForSession(token)).toBeNull();
		expect((await domain().accounts.userForSession(sessionToken))?.id, 'the browser that reset it is signed in').toBe(person.user.id);
	});

	it('when they delete their account', async () => {
		const person = await live.make.person();
		const { client, token } = await unlistedConnection(person);

		await domain().account.deletion.delete(person.user, { currentPassword: password });

		await client.disconnected('the connection of the session not on the list is closed');
		expect(await domain().accounts.userForSession(token)).toBeNull();
	});
});
