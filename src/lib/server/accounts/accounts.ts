import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DomainError, fieldErrors } from '../errors.js';
import { newId } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { addressBucket } from '../client-address.js';
import { requireConfirmedEmail } from '../access.js';
import { isTimeZone } from '../gigs/zoned-time.js';
import { NO_ACCOUNT_HASH, scryptPasswords, type PasswordHasher } from './passwords.js';
import { LoginGuard, type LoginOrigin } from './login-guard.js';
import { normaliseWallet } from './wallet.js';
import { Sessions, type SessionOrigin } from './sessions.js';
import { OneTimeTokens } from './one-time-tokens.js';
import { deletedAccountsKey } from './deleted-accounts.js';
import { displayNameSchema, shownName } from './display-name.js';
import { defaultAvatarColour, isAvatarColour, AVATAR_COLOURS, type AvatarColour } from '../../people/avatar.js';

export { SESSION_DAYS } from './sessions.js';

export type Role = 'viewer' | 'creator' | 'admin';
export type User = {
	id: string;
	email: string;
	role: Role;
	displayName: string | null;
	avatarColour?: AvatarColour | null;
	wallet: string | null;
	createdAt: number;
	/** Whether the person followed the link mailed at sign-up (accounts older than that are counted as confirmed). */
	emailConfirmed: boolean;
	/** The IANA zone mail shows times in; null until the person's browser or settings tell it. */
	timeZone: string | null;
};

const key = {
	user: (id: string) => `gs:user:${id}`,
	email: (email: string) => `gs:user-email:${email}`
};

export const emailSchema = z.email('Enter a valid email address').max(254).transform((e) => e.toLowerCase());
export const newPasswordSchema = z.string().min(10, 'Use at least 10 characters').max(200, 'Use at most 200 characters');
export const credentialsSchema = z.object({ email: emailSchema, password: newPasswordSchema });

/** Sign-up asks for a display name too: everyone in a chat or on a stage has one. */
export const signUpSchema = credentialsSchema.extend({ displayName: displayNameSchema });

/** What a person shows of themselves: their name, and their avatar's colour. */
export const profileSchema = z.object({
	displayName: displayNameSchema,
	avatarColour: z.enum(AVATAR_COLOURS, { error: 'Pick one of the colours' }).optional()
});

export const creatorProfileSchema = z.object({
	// Accounts from before names were asked at sign-up may still set theirs here.
	displayName: displayNameSchema.optional(),
	wallet: z
		.string()
		.trim()
		.max(300)
		.transform((w, ctx) => {
			if (!w) return null;
			const normalised = normaliseWallet(w);
			if (!normalised) ctx.addIssue({ code: 'custom', message: 'Enter a wallet address like https://wallet.example/alice or $wallet.example/alice' });
			return normalised;
		})
});

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const result = schema.safeParse(input);
	if (!result.success) throw new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', fieldErrors(result.error.issues));
	return result.data;
}

// Swaps the email index from the old address to the new one, unless someone else has the new one.
const CHANGE_EMAIL = `
local user, newIndex = KEYS[1], KEYS[2]
local id, newEmail, prefix = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', user, 'id') ~= id or redis.call('HGET', user, 'deletedAt') then return {'GONE'} end
local old = redis.call('HGET', user, 'email')
if old == newEmail then return {'OK', old} end
if not redis.call('SET', newIndex, id, 'NX') then return {'EMAIL_TAKEN'} end
if redis.call('GET', prefix .. old) == id then redis.call('DEL', prefix .. old) end
redis.call('HSET', user, 'email', newEmail, 'emailConfirmedAt', ARGV[4])
return {'OK', old}
`;

/** People, their roles, and their login sessions. */
export class Accounts {
	private readonly guard: LoginGuard;
	readonly sessions: Sessions;
	/** One-time links for confirming, resetting and changing (see one-time-tokens.ts). */
	readonly tokens: OneTimeTokens;

	constructor(
		private readonly redis: Redis,
		private readonly passwords: PasswordHasher = scryptPasswords
	) {
		this.guard = new LoginGuard(redis);
		this.sessions = new Sessions(redis);
		this.tokens = new OneTimeTokens(redis);
	}

	/** Opens an account; `clientAddress` is who asked (sign-ups are limited per address). */
	async signUp(input: unknown, clientAddress: string): Promise<User> {
		const { email, password, displayName } = parse(signUpSchema, input);
		// Counted after validation: a typo must not use up a shared network's sign-ups.
		await limitRate(this.redis, `signup:${addressBucket(clientAddress)}`, 10, 3600);
		const user: User = {
			id: newId(),
			email,
			// Never admin: nothing about a sign-up (an unverified email) is trusted. The operator grants it (server/admin.ts).
			role: 'viewer',
			displayName,
			avatarColour: null,
			wallet: null,
			createdAt: Date.now(),
			emailConfirmed: false,
			timeZone: null
		};
		const passwordHash = await this.passwords.hash(password);
		// The email index is claimed first, atomically: two sign-ups for one address cannot both win.
		if (!(await this.redis.set(key.email(email), user.id, 'NX'))) {
			throw new DomainError('EMAIL_TAKEN', 'An account with this email already exists.', { email: 'This email is already registered' });
		}
		await this.redis.hset(key.user(user.id), { ...serialise(user), passwordHash });
		return user;
	}

	/**
	 * Checks an email and password. Each guess draws on the budgets of login-guard.ts; a log-in that
	 * succeeds gives its guess back. An unknown email takes the same steps as a wrong password
	 * (the same budgets, the same password hash), so neither the answer nor its time tells them apart.
	 */
	async logIn(input: unknown, origin: LoginOrigin): Promise<User> {
		const { email, password } = parse(credentialsSchema.extend({ password: z.string().min(1, 'Enter your password').max(200) }), input);
		const id = await this.redis.get(key.email(email));
		const giveBack = await this.guard.admit(email, id, origin);
		const [stored, deletedAt] = await this.redis.hmget(key.user(id ?? '-'), 'passwordHash', 'deletedAt');
		const matches = await this.passwords.verify(password, stored ?? NO_ACCOUNT_HASH);
		// A deleted account answers like an unknown email.
		if (!id || !stored || !matches || deletedAt) throw new DomainError('BAD_CREDENTIALS', 'That email and password do not match an account.');
		await giveBack();
		// Remembering the password makes an outstanding reset link pointless: it stops working.
		await this.tokens.revoke('reset-password', id);
		return (await this.user(id))!;
	}

	/** Remembers the browser a person just logged in or signed up from; returns its device token (for the cookie). */
	rememberDevice(userId: string, deviceToken: string | null): Promise<string> {
		return this.guard.rememberDevice(userId, deviceToken);
	}

	/** A person by id; null for no such account and for a deleted one (gone from every page). */
	async user(id: string): Promise<User | null> {
		const fields = await this.redis.hgetall(key.user(id));
		return fields.id && !fields.deletedAt ? deserialise(fields) : null;
	}

	/** The account using this address, deleted or not (its email stays taken until erased). */
	async idForEmail(email: string): Promise<string | null> {
		return this.redis.get(key.email(email.toLowerCase()));
	}

	/** Whether `password` is this person's current password. */
	async passwordMatches(userId: string, password: string): Promise<boolean> {
		const stored = await this.redis.hget(key.user(userId), 'passwordHash');
		return stored !== null && (await this.passwords.verify(password.slice(0, 200), stored));
	}

	/** A new password (reset or change): the browsers it was used from are not known any more (see login-guard.ts). */
	async setPassword(userId: string, password: string): Promise<void> {
		await this.redis.hset(key.user(userId), 'passwordHash', await this.passwords.hash(password));
		await this.guard.forgetDevices(userId);
	}

	/** The person followed the link mailed to their address. */
	async markEmailConfirmed(userId: string, now = Date.now()): Promise<void> {
		if (await this.redis.hexists(key.user(userId), 'id')) await this.redis.hset(key.user(userId), 'emailConfirmedAt', String(now));
	}

	/** Moves the account to a confirmed new address; returns the old one. EMAIL_TAKEN if it is someone else's. */
	async changeEmail(userId: string, newEmail: string, now = Date.now()): Promise<string> {
		const [status, old] = (await this.redis.eval(CHANGE_EMAIL, 2, key.user(userId), key.email(newEmail), userId, newEmail, 'gs:user-email:', String(now))) as [string, string?];
		if (status === 'EMAIL_TAKEN') throw new DomainError('EMAIL_TAKEN', 'Another account uses that email now.', { email: 'This email is already registered' });
		if (status !== 'OK') throw new DomainError('LOGIN_REQUIRED', 'That account does not exist any more.');
		return old!;
	}

	/** Soft delete: the account is gone from every page at once (see `user`); its data waits for `erase`. */
	async markDeleted(userId: string, now = Date.now()): Promise<void> {
		await this.redis.multi().hset(key.user(userId), 'deletedAt', String(now)).sadd(deletedAccountsKey, userId).exec();
		await this.guard.forgetDevices(userId);
	}

	/**
	 * Erases a deleted account's personal data: address, password, name, wallet. The id stays
	 * (tickets and gigs point at it), and the address can sign up again.
	 */
	async erase(userId: string, now = Date.now()): Promise<void> {
		const [email, deletedAt] = await this.redis.hmget(key.user(userId), 'email', 'deletedAt');
		if (!deletedAt) return;
		const transaction = this.redis.multi();
		if (email && (await this.redis.get(key.email(email))) === userId) transaction.del(key.email(email));
		await transaction
			.hdel(key.user(userId), 'email', 'passwordHash', 'displayName', 'avatarColour', 'wallet', 'timeZone', 'emailConfirmedAt')
			.hset(key.user(userId), 'erasedAt', String(now))
			.exec();
	}

	async setTimeZone(userId: string, timeZone: string): Promise<void> {
		if (!isTimeZone(timeZone)) throw new DomainError('INVALID_INPUT', 'Please pick a valid time zone.', { timeZone: 'Pick a valid time zone' });
		await this.redis.hset(key.user(userId), 'timeZone', timeZone);
	}

	async becomeCreator(userId: string, input: unknown): Promise<User> {
		const parsed = parse(creatorProfileSchema, input);
		const user = await this.user(userId);
		if (!user) throw new DomainError('LOGIN_REQUIRED', 'Log in first.');
		requireConfirmedEmail(user);
		const displayName = parsed.displayName ?? user.displayName;
		if (!displayName) throw new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', { displayName: 'Choose a display name' });
		const role: Role = user.role === 'admin' ? 'admin' : 'creator';
		const wallet = parsed.wallet;
		// `creator` stays when an admin grant overwrites the role, so taking admin back restores it.
		await this.redis.hset(key.user(userId), { role, displayName, wallet: wallet ?? '', creator: '1' });
		return { ...user, role, displayName, wallet };
	}

	/** A new display name and avatar colour. */
	async updateProfile(userId: string, input: unknown): Promise<User> {
		const { displayName, avatarColour } = parse(profileSchema, input);
		const user = await this.user(userId);
		if (!user) throw new DomainError('LOGIN_REQUIRED', 'Log in first.');
		const colour = avatarColour ?? user.avatarColour;
		await this.redis.hset(key.user(userId), { displayName, avatarColour: colour ?? '' });
		return { ...user, displayName, avatarColour: colour };
	}

	/** The account with this email, if any. */
	async byEmail(email: string): Promise<User | null> {
		const id = await this.redis.get(key.email(email.trim().toLowerCase()));
		return id ? this.user(id) : null;
	}

	/**
	 * Makes a person an admin, or takes it back (they are a creator again if they had become one).
	 * Only the operator's command calls this (`npm run admin`): no page or request can.
	 */
	async setAdmin(email: string, admin: boolean): Promise<User> {
		const user = await this.byEmail(email);
		if (!user) throw new DomainError('INVALID_INPUT', `There is no account with the email ${email}.`);
		// Everyone has a display name now: whether they became a creator is its own mark (older
		// accounts named themselves only by becoming one).
		const [creator, avatarColour] = await this.redis.hmget(key.user(user.id), 'creator', 'avatarColour');
		const wasCreator = creator === '1' || (creator === null && avatarColour === null && user.displayName !== null);
		const role: Role = admin ? 'admin' : wasCreator ? 'creator' : 'viewer';
		await this.redis.hset(key.user(user.id), 'role', role);
		return { ...user, role };
	}

	/** Every admin, by scanning the accounts (an operator's command, not a page). */
	async admins(): Promise<User[]> {
		const found: User[] = [];
		let cursor = '0';
		do {
			const [next, keys] = await this.redis.scan(cursor, 'MATCH', 'gs:user:*', 'COUNT', 500);
			cursor = next;
			const roles = await Promise.all(keys.map((k) => this.redis.hget(k, 'role')));
			for (const [i, k] of keys.entries()) if (roles[i] === 'admin') found.push((await this.user(k.slice('gs:user:'.length)))!);
		} while (cursor !== '0');
		return found.filter(Boolean).sort((a, b) => a.email.localeCompare(b.email));
	}

	createSession(userId: string, origin?: SessionOrigin): Promise<string> {
		return this.sessions.create(userId, origin);
	}

	async userForSession(token: string | undefined): Promise<User | null> {
		const session = await this.sessions.resolve(token);
		return session ? this.user(session.userId) : null;
	}

	endSession(token: string): Promise<void> {
		return this.sessions.end(token);
	}
}

function serialise(user: User): Record<string, string> {
	return {
		id: user.id,
		email: user.email,
		role: user.role,
		displayName: user.displayName ?? '',
		avatarColour: user.avatarColour ?? '',
		wallet: user.wallet ?? '',
		createdAt: String(user.createdAt),
		emailConfirmedAt: user.emailConfirmed ? String(Date.now()) : '',
		timeZone: user.timeZone ?? ''
	};
}

function deserialise(f: Record<string, string>): User {
	return {
		id: f.id!,
		email: f.email!,
		role: f.role as Role,
		displayName: f.displayName || null,
		avatarColour: isAvatarColour(f.avatarColour) ? f.avatarColour : null,
		wallet: f.wallet || null,
		createdAt: Number(f.createdAt),
		// Absent on accounts made before confirmation existed: those keep what they could do.
		emailConfirmed: f.emailConfirmedAt === undefined || f.emailConfirmedAt !== '',
		timeZone: f.timeZone || null
	};
}

/** What may be shown of a user to other people: never any part of their email. */
export function publicName(user: Pick<User, 'displayName' | 'id'>): string {
	const name = user.displayName ? shownName(user.displayName) : '';
	return name || `Member ${user.id.slice(0, 4)}`;
}

/** A person as others see them: name and avatar colour. */
export type PublicPerson = { id: string; name: string; colour: AvatarColour };

export function publicPerson(user: Pick<User, 'displayName' | 'id' | 'avatarColour'>): PublicPerson {
	return { id: user.id, name: publicName(user), colour: avatarColourOf(user) };
}

export function avatarColourOf(user: Pick<User, 'id' | 'avatarColour'>): AvatarColour {
	return user.avatarColour ?? defaultAvatarColour(user.id);
}
