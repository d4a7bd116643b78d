import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { avatarColourOf, publicName, type User } from '$lib/server/accounts/accounts';
import { deviceName } from '$lib/server/accounts/device-name';
import { isAdmin, mayCreateGigs } from '$lib/server/access';
import { DomainError } from '$lib/server/errors';
import { formFailure } from '$lib/server/forms';
import type { MailTopic } from '$lib/server/mail/outgoing';
import { services } from '$lib/server/services';
import { clearSessionCookie } from '$lib/server/session-cookie';
import { rememberThisBrowser } from '$lib/server/known-browser';
import { gigFormOptions } from '../gigs/new/gig-form.server';

const LOGIN = '/login?next=/account';

/** The switches a person sees: reminders for everyone, sale mail for creators. */
function topicsFor(user: User): MailTopic[] {
	return mayCreateGigs(user) ? ['startsSoon', 'liveNow', 'ticketSold', 'dailySales'] : ['startsSoon', 'liveNow'];
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.user;
	if (!user) redirect(303, LOGIN);
	const { account, notifications } = services();
	const [sessions, preferences, blockingGigs] = await Promise.all([
		account.settings.sessions(user, locals.sessionToken),
		notifications.preferences.get(user.id),
		mayCreateGigs(user) ? account.deletion.blockingGigs(user) : Promise.resolve([])
	]);
	return {
		name: publicName(user),
		colour: avatarColourOf(user),
		email: user.email,
		emailConfirmed: user.emailConfirmed,
		timeZone: user.timeZone,
		timeZones: gigFormOptions().timeZones,
		topics: topicsFor(user),
		preferences,
		sessions: sessions.map((s) => ({ id: s.id, device: deviceName(s.agent), createdAt: s.createdAt, seenAt: s.seenAt, current: s.current })),
		blockingGigs,
		graceDays: account.deletion.graceDays,
		admin: isAdmin(user),
		justReset: url.searchParams.get('reset') === '1'
	};
};

type Section = 'email' | 'password' | 'notifications' | 'sessions' | 'delete';

/** Runs a section's action: its result, or its refusal, tagged with the section so the page shows it in the right place. */
async function inSection<T extends Record<string, unknown>>(section: Section, event: RequestEvent, act: (user: User, form: FormData) => Promise<T>) {
	const user = event.locals.user;
	if (!user) redirect(303, LOGIN);
	const form = await event.request.formData();
	try {
		return { section, ...(await act(user, form)) };
	} catch (error) {
		const failure = formFailure(error, form);
		return fail(failure.status, { ...failure.data, section });
	}
}

const preferencesSchema = z.object({ timeZone: z.string().max(64).optional() });
const on = (form: FormData, name: string) => form.get(name) === 'on';

export const actions: Actions = {
	changePassword: (event) =>
		inSection('password', event, async (user, form) => {
			await services().account.settings.changePassword(user, event.locals.sessionToken!, Object.fromEntries(form));
			await rememberThisBrowser(event.cookies, user.id, event.url.protocol === 'https:');
			return { saved: 'Your password is changed, and every other device was signed out.' };
		}),

	changeEmail: (event) =>
		inSection('email', event, async (user, form) => {
			const email = await services().account.settings.requestEmailChange(user, Object.fromEntries(form));
			return { saved: `We sent a link to ${email}. Your email changes when you follow it (within 24 hours).` };
		}),

	savePreferences: (event) =>
		inSection('notifications', event, async (user, form) => {
			const { timeZone } = preferencesSchema.parse(Object.fromEntries(form));
			const { accounts, notifications } = services();
			if (timeZone && timeZone !== user.timeZone) await accounts.setTimeZone(user.id, timeZone);
			await notifications.preferences.set(user.id, Object.fromEntries(topicsFor(user).map((topic) => [topic, on(form, topic)])));
			return { saved: 'Saved.' };
		}),

	endSession: (event) =>
		inSection('sessions', event, async (user, form) => {
			const ended = await services().account.settings.endSession(user, String(form.get('session') ?? ''));
			return { saved: ended ? 'That device is signed out.' : 'That session had ended already.' };
		}),

	endOtherSessions: (event) =>
		inSection('sessions', event, async (user) => {
			const count = await services().account.settings.endOtherSessions(user, event.locals.sessionToken!);
			return { saved: count ? `Signed out ${count} other ${count === 1 ? 'session' : 'sessions'}.` : 'No other device was signed in.' };
		}),

	deleteAccount: async (event) => {
		const result = await inSection('delete', event, async (user, form) => {
			if (form.get('understood') !== 'on') throw new DomainError('INVALID_INPUT', 'Tick the box to confirm you want to delete your account.', { understood: 'Tick this to confirm' });
			return await services().account.deletion.delete(user, Object.fromEntries(form));
		});
		if ('eraseAt' in result) {
			clearSessionCookie(event.cookies);
			redirect(303, '/account/deleted');
		}
		return result;
	}
};
