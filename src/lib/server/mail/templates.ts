import type { Letter } from './letter.js';

/**
 * Every mail Gigstage sends, in one place: short, friendly, one thing to do. Values come in as
 * plain text (titles and names as people typed them); `renderLetter` escapes them.
 */

type Unsubscribe = { url: string };
const WHY_ACCOUNT = 'You get this email because of your Gigstage account.';

export const templates = {
	confirmEmail: ({ link }: { link: string }): Letter => ({
		subject: 'Confirm your email for Gigstage',
		preview: 'One click and your account is ready for paid tickets and your own gigs.',
		heading: 'Confirm your email',
		intro: ['Welcome to Gigstage! Please confirm that this address is yours.', 'Until you do, you can browse and get free tickets; buying paid tickets and putting on gigs wait for this click.'],
		button: { label: 'Confirm my email', url: link },
		outro: ['The link works once, for 24 hours. If you did not sign up, ignore this email and nothing happens.'],
		footer: [WHY_ACCOUNT]
	}),

	passwordReset: ({ link }: { link: string }): Letter => ({
		subject: 'Reset your Gigstage password',
		preview: 'Choose a new password: the link works for one hour.',
		heading: 'Choose a new password',
		intro: ['Someone (hopefully you) asked to reset the password of your Gigstage account.'],
		button: { label: 'Choose a new password', url: link },
		outro: ['The link works once, for one hour; logging in with your current password cancels it. If you did not ask for this, ignore this email: your password stays as it is.'],
		footer: [WHY_ACCOUNT]
	}),

	confirmNewEmail: ({ newEmail, link }: { newEmail: string; link: string }): Letter => ({
		subject: 'Confirm your new email for Gigstage',
		preview: `Use ${newEmail} for your Gigstage account.`,
		heading: 'Confirm your new email',
		intro: [`You asked to use ${newEmail} for your Gigstage account. Your account keeps its old address until you confirm.`],
		button: { label: 'Use this address', url: link },
		outro: ['The link works once, for 24 hours. If you did not ask for this, ignore this email.'],
		footer: [WHY_ACCOUNT]
	}),

	emailChanged: ({ newEmail, settingsUrl }: { newEmail: string; settingsUrl: string }): Letter => ({
		subject: 'Your Gigstage email was changed',
		preview: `Your account now uses ${newEmail}.`,
		heading: 'Your email was changed',
		intro: [`Your Gigstage account now uses ${newEmail}. Mail for the account, and logging in, go to that address from now on.`, 'If you did not do this, reset your password from the log-in page straight away and tell us.'],
		button: { label: 'Your account settings', url: settingsUrl },
		footer: ['You get this email because it was the address of a Gigstage account.']
	}),

	passwordChanged: ({ settingsUrl }: { settingsUrl: string }): Letter => ({
		subject: 'Your Gigstage password was changed',
		preview: 'Every other device was signed out.',
		heading: 'Your password was changed',
		intro: ['The password of your Gigstage account was just changed, and every other device was signed out.', 'If you did not do this, reset your password from the log-in page straight away.'],
		button: { label: 'Your account settings', url: settingsUrl },
		footer: [WHY_ACCOUNT]
	}),

	accountDeleted: ({ eraseOn }: { eraseOn: string }): Letter => ({
		subject: 'Your Gigstage account was deleted',
		preview: `Your personal data is erased on ${eraseOn}.`,
		heading: 'Your account was deleted',
		intro: [
			'Your Gigstage account is closed: you were signed out everywhere and your name no longer shows anywhere.',
			`Your email address, password and profile are erased for good on ${eraseOn}; after that this address can sign up again. Tickets you had stay counted for the creators, without your name.`
		],
		footer: ['This is the last email this account gets.']
	}),

	ticketReceipt: (t: { gigTitle: string; when: string; duration: string; creatorName: string; price: string; ticketId: string; watchUrl: string }): Letter => ({
		subject: `Your ticket: ${t.gigTitle}`,
		preview: `${t.when}. Watch at ${t.watchUrl}`,
		heading: 'You’re in! Here’s your ticket',
		intro: [`Thanks for getting a ticket for ${t.gigTitle} by ${t.creatorName}.`],
		details: [
			['Gig', t.gigTitle],
			['Starts', t.when],
			['Length', t.duration],
			['Paid', t.price],
			['Ticket', t.ticketId]
		],
		button: { label: 'Watch the gig', url: t.watchUrl },
		outro: ['Open the watch link when the gig starts, logged in to this account. The attached calendar file puts the gig in your calendar; we also remind you an hour before and when it goes live.'],
		footer: ['You get this receipt because you got a ticket on Gigstage.']
	}),

	startsSoon: (r: { gigTitle: string; inWords: string; at: string; watchUrl: string; unsubscribe: Unsubscribe }): Letter => ({
		subject: `Starts ${r.inWords}: ${r.gigTitle}`,
		preview: `${r.gigTitle} starts at ${r.at}.`,
		heading: `${r.gigTitle} starts ${r.inWords}`,
		intro: [`Your gig starts at ${r.at}. Grab a drink, find a comfy spot, and open the watch page a few minutes early.`],
		button: { label: 'Open the watch page', url: r.watchUrl },
		footer: ['You get this reminder because you have a ticket for this gig.'],
		unsubscribe: { label: 'Stop “starts soon” reminders', url: r.unsubscribe.url }
	}),

	liveNow: (r: { gigTitle: string; watchUrl: string; unsubscribe: Unsubscribe }): Letter => ({
		subject: `Live now: ${r.gigTitle}`,
		preview: `${r.gigTitle} has started. Come on in!`,
		heading: `${r.gigTitle} is live now`,
		intro: ['The show has started. Come on in!'],
		button: { label: 'Watch now', url: r.watchUrl },
		footer: ['You get this because you have a ticket for this gig.'],
		unsubscribe: { label: 'Stop “live now” emails', url: r.unsubscribe.url }
	}),

	gigCancelled: (c: { gigTitle: string; when: string; creatorName: string; price: string; gigUrl: string }): Letter => ({
		subject: `Cancelled: ${c.gigTitle}`,
		preview: `${c.creatorName} cancelled the gig planned for ${c.when}.`,
		heading: `${c.gigTitle} was cancelled`,
		intro: [`We’re sorry: ${c.creatorName} cancelled ${c.gigTitle}, planned for ${c.when}. Your ticket will not be needed.`],
		details: [['You paid', c.price]],
		button: { label: 'See the gig', url: c.gigUrl },
		outro: ['If you paid for your ticket, ask the creator about a refund. The attached calendar file takes the gig out of your calendar.'],
		footer: ['You get this because you have a ticket for this gig.']
	}),

	ticketSold: (s: { gigTitle: string; price: string; sold: string; gigUrl: string; unsubscribe: Unsubscribe }): Letter => ({
		subject: `Ticket sold: ${s.gigTitle}`,
		preview: `${s.sold} so far.`,
		heading: 'Someone got a ticket!',
		intro: [`Someone just got a ticket for ${s.gigTitle}.`],
		details: [
			['Price', s.price],
			['Tickets', s.sold]
		],
		button: { label: 'See your gig', url: s.gigUrl },
		footer: ['You get this because you turned on “someone bought a ticket” emails.'],
		unsubscribe: { label: 'Stop these emails', url: s.unsubscribe.url }
	}),

	dailySales: (d: { day: string; total: string; gigs: [string, string][]; meUrl: string; unsubscribe: Unsubscribe }): Letter => ({
		subject: `Your sales on ${d.day}: ${d.total}`,
		preview: `${d.total} across ${d.gigs.length} ${d.gigs.length === 1 ? 'gig' : 'gigs'}.`,
		heading: `Your sales on ${d.day}`,
		intro: [`Here is what you sold on ${d.day} (UTC): ${d.total}.`],
		details: d.gigs,
		button: { label: 'See all your gigs', url: d.meUrl },
		footer: ['You get this summary on days you sell tickets.'],
		unsubscribe: { label: 'Stop daily summaries', url: d.unsubscribe.url }
	})
} satisfies Record<string, (input: never) => Letter>;

export type TemplateName = keyof typeof templates;
