import type { GigStatus } from '../gigs/gigs.js';
import type { TemplateName } from './templates.js';

/** The notifications a person can turn off, each its own switch (see notifications/preferences.ts). */
export const MAIL_TOPICS = ['startsSoon', 'liveNow', 'ticketSold', 'dailySales'] as const;
export type MailTopic = (typeof MAIL_TOPICS)[number];

export type MailAttachment = { filename: string; contentType: string; content: string };

/**
 * What a queued mail is about, asked again just before it is sent: a reminder for a gig that
 * was cancelled meanwhile, for a person who turned reminders off or deleted their account, is
 * dropped instead.
 */
export type MailAbout = {
	kind: TemplateName;
	userId?: string;
	topic?: MailTopic;
	gigId?: string;
	/** Send only while the gig is in one of these states. */
	gigStatuses?: GigStatus[];
};

/** A mail as it waits in the queue: rendered, addressed, with what it is about. */
export type OutgoingMail = {
	to: string;
	subject: string;
	text: string;
	html: string;
	headers: Record<string, string>;
	attachments: MailAttachment[];
	about: MailAbout;
};

export type MailStatus = 'pending' | 'sent' | 'outbox' | 'failed' | 'dropped';

/** A queued or kept mail, as the outbox page shows it. */
export type StoredMail = OutgoingMail & {
	id: string;
	status: MailStatus;
	attempts: number;
	createdAt: number;
	lastAttemptAt: number | null;
	nextAttemptAt: number | null;
	error: string | null;
};
