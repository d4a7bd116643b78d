import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Accounts, type User } from '../../src/lib/server/accounts/accounts.js';
import { Gigs, type Gig } from '../../src/lib/server/gigs/gigs.js';
import { Tickets } from '../../src/lib/server/tickets/tickets.js';
import { utcToZonedTime } from '../../src/lib/server/gigs/zoned-time.js';

export type Person = { user: User; token: string; cookie: string };

let counter = 0;

/** A gig form as a creator fills it in (strings, like the form posts), changed by `over`. */
export const gigInput = (over: Record<string, unknown> = {}) => ({
	title: 'Friday jazz',
	category: 'concert',
	startsAtLocal: '2030-05-01T20:00',
	timeZone: 'Europe/Berlin',
	durationMinutes: '90',
	price: '12.50',
	currency: 'EUR',
	...over
});
/** How a browser's `gs_device` cookie is stored among an account's known browsers. */
export const deviceHash = (deviceCookie: string | undefined) => createHash('sha256').update(deviceCookie ?? '').digest('base64url');
const uniqueEmail = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}@example.test`;

/** People, gigs and tickets made straight in Redis through the domain, for tests about other things. */
export function fixtures(redis: Redis) {
	const accounts = new Accounts(redis);
	const gigs = new Gigs(redis);
	const tickets = new Tickets(redis);

	async function person(role: 'viewer' | 'creator' = 'viewer'): Promise<Person> {
		const n = counter++;
		const displayName = `${role === 'creator' ? 'Creator' : 'Viewer'} ${n}`;
		let user = await accounts.signUp({ email: uniqueEmail(role), password: 'correct horse battery staple', displayName }, `fixture-${n}`);
		// People in fixtures have confirmed their address (tests about unconfirmed ones sign up themselves).
		await accounts.markEmailConfirmed(user.id);
		user = { ...user, emailConfirmed: true };
		if (role === 'creator') user = await accounts.becomeCreator(user.id, { wallet: '$wallet.example/creator' });
		const token = await accounts.createSession(user.id);
		return { user, token, cookie: `gs_session=${token}` };
	}

	/** A gig about to start (in ten minutes): its studio goes live without asking about an early start. */
	async function gig(creator: Person, over: Record<string, string> = {}): Promise<Gig> {
		return gigs.create(creator.user, {
			title: 'Test gig',
			category: 'concert',
			startsAtLocal: utcToZonedTime(Date.now() + 10 * 60_000, 'Europe/Berlin'),
			timeZone: 'Europe/Berlin',
			durationMinutes: '60',
			price: '0',
			currency: 'EUR',
			...over
		});
	}

	async function ticket(gigToSell: Gig, buyer: Person): Promise<void> {
		const checkout = await tickets.startCheckout(gigToSell, buyer.user.id, 'free');
		await tickets.issue(checkout.id, gigToSell.capacity);
	}

	/** A creator with a gig, and a viewer holding a ticket for it. */
	async function show(over: Record<string, string> = {}) {
		const creator = await person('creator');
		const created = await gig(creator, over);
		const viewer = await person('viewer');
		await ticket(created, viewer);
		return { creator, gig: created, viewer };
	}

	/** Marks an address as confirmed, as following the mailed link does (for tests about other things). */
	async function confirmEmail(email: string): Promise<void> {
		const id = await accounts.idForEmail(email);
		if (!id) throw new Error(`no account uses ${email}`);
		await accounts.markEmailConfirmed(id);
	}

	/** The browsers (`gs_device` cookies, as sha256 hashes) the account with this address is known to log in from. */
	async function knownDevices(email: string): Promise<string[]> {
		const id = await accounts.idForEmail(email);
		const keys = await redis.keys(`gs:known-device:${id}:*`);
		return keys.map((key) => key.split(':').pop()!).sort();
	}

	/**
	 * Takes a session off its person's list of sessions while it stays valid, as a session whose
	 * connection was opened before the list existed (or on a node that did not keep it yet) is.
	 */
	async function unlistSession(email: string, token: string): Promise<void> {
		const id = await accounts.idForEmail(email);
		await redis.hdel(`gs:user-sessions:${id}`, createHash('sha256').update(token).digest('base64url'));
	}

	return { accounts, gigs, tickets, person, gig, ticket, show, confirmEmail, knownDevices, unlistSession };
}
