import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DomainError, fieldErrors } from '../errors.js';
import { newId, newSecret } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { addressBucket } from '../client-address.js';
import { NO_ACCOUNT_HASH, scryptPasswords, type PasswordHasher } from './passwords.js';
import { LoginGuard, type LoginOrigin } from './login-guard.js';
import { normaliseWallet } from './wallet.js';
import { displayNameSchema, shownName } from './display-name.js';
import { defaultAvatarColour, isAvatarColour, AVATAR_COLOURS, type AvatarColour } from '../../people/avatar.js';

export type Role = 'viewer' | 'creator' | 'admin';
export type User = { id: string; email: string; role: Role; displayName: string | null; avatarColour?: AvatarColour | null; wallet: string | null; createdAt: number };

export const SESSION_DAYS = 30;
const SESSION_SECONDS = SESSION_DAYS * 24 * 3600;

const key = {
	user: (id: string) => `gs:user:${id}`,
	email: (email: string) => `gs:user-email:${email}`,
	// Only a hash of the token is stored: a leaked database holds no usable session.
	session: (token: string) => `gs:session:${createHash('sha256').update(token).digest('base64url')}`
};

export const credentialsSchema = z.object({
	email: z.email('Enter a valid email address').max(254).transform((e) => e.toLowerCase()),
	password: z.string().min(10, 'Use at least 10 characters').max(200, 'Use at most 200 characters')
});

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

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const result = schema.safeParse(input);
	if (!result.success) throw new DomainError('INVALID_INPUT', 'Please correct the highlighted fields.', fieldErrors(result.error.issues));
	return result.data;
}

/** People, their roles, and their login sessions. */
export class Accounts {
	private readonly guard: LoginGuard;

	constructor(
		private readonly redis: Redis,
		private readonly passwords: PasswordHasher = scryptPasswords
	) {
		this.guard = new LoginGuard(redis);
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
			createdAt: Date.now()
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
		const stored = await this.redis.hget(key.user(id ?? '-'), 'passwordHash');
		const matches = await this.passwords.verify(password, stored ?? NO_ACCOUNT_HASH);
		if (!id || !stored || !matches) throw new DomainError('BAD_CREDENTIALS', 'That email and password do not match an account.');
		await giveBack();
		return (await this.user(id))!;
	}

	/** Remembers the browser a person just logged in or signed up from; returns its device token (for the cookie). */
	rememberDevice(userId: string, deviceToken: string | null): Promise<string> {
		return this.guard.rememberDevice(userId, deviceToken);
	}

	async user(id: string): Promise<User | null> {
		const fields = await this.redis.hgetall(key.user(id));
		return fields.id ? deserialise(fields) : null;
	}

	async becomeCreator(userId: string, input: unknown): Promise<User> {
		const parsed = parse(creatorProfileSchema, input);
		const user = await this.user(userId);
		if (!user) throw new DomainError('LOGIN_REQUIRED', 'Log in first.');
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

	async createSession(userId: string): Promise<string> {
		const token = newSecret();
		await this.redis.set(key.session(token), userId, 'EX', SESSION_SECONDS);
		return token;
	}

	async userForSession(token: string | undefined): Promise<User | null> {
		if (!token || token.length > 100) return null;
		const id = await this.redis.get(key.session(token));
		return id ? this.user(id) : null;
	}

	async endSession(token: string): Promise<void> {
		await this.redis.del(key.session(token));
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
		createdAt: String(user.createdAt)
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
		createdAt: Number(f.createdAt)
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
