import type { Gig, GigStatus } from '../gigs/gigs.js';
import type { User } from '../accounts/accounts.js';
import { publicName } from '../accounts/accounts.js';
import { templates } from '../mail/templates.js';
import type { Letter } from '../mail/letter.js';
import type { MailAttachment, MailTopic } from '../mail/outgoing.js';
import { formatPrice, formatStart, formatTime } from './format.js';
import { calendarAttachment, gigLinks, type NotifyContext } from './notify-context.js';

const MINUTE = 60_000;
/** "Starts in 1 hour" goes out once a gig is this close to its start. */
export const STARTS_SOON_MS = 60 * MINUTE;
/** "We're live now" only for shows that went live this recently (not for one long under way when a node starts). */
const LIVE_RECENT_MS = 30 * MINUTE;
// While a node works through a gig's ticket holders, no other node starts on it; if the node dies,
// another takes over after this, and the per-person `once` keys keep anyone from getting two.
const LEASE_MS = 2 * MINUTE;
const DONE_SECONDS = 3 * 24 * 3600;
const CHUNK = 50;

const key = {
	// One per kind of reminder, gig and start (a rescheduled gig is reminded again).
	fanOut: (kind: string, gigId: string, stamp: number) => `gs:reminder:${kind}:${gigId}:${stamp}`,
	// Cancelled gigs whose ticket holders have yet to be told, scored by when.
	cancelled: 'gs:gigs:cancelled-to-notify'
};

type Reminder = {
	kind: 'startsSoon' | 'liveNow' | 'gigCancelled';
	topic?: MailTopic;
	/** The gig states the mail still makes sense in when its turn comes. */
	statuses: GigStatus[];
	letter(gig: Gig, holder: User, creatorName: string, unsubscribeUrl: string, now: number): Letter;
	attachments?(gig: Gig): MailAttachment[];
};

/**
 * Mail to a gig's ticket holders: "starts in 1 hour", "we're live now" and "cancelled". Every
 * node runs `runOnce` on a timer (tests call it with their own clock); a lease in Redis lets one
 * node work through a gig's holders at a time, and a `once` key per person and gig makes sure
 * nobody gets the same reminder twice, whichever nodes take part. Cancelled and ended gigs get
 * no reminders: they are not in the lists looked at, and a queued reminder is dropped if the gig
 * changed before it was sent.
 */
export class GigReminders {
	private readonly reminders: Record<Reminder['kind'], Reminder>;

	constructor(private readonly ctx: NotifyContext) {
		const links = (gig: Gig) => gigLinks(ctx.links, gig);
		this.reminders = {
			startsSoon: {
				kind: 'startsSoon',
				topic: 'startsSoon',
				statuses: ['scheduled'],
				letter: (gig, holder, _creator, unsubscribeUrl, now) =>
					templates.startsSoon({
						gigTitle: gig.title,
						inWords: untilStart(gig.startsAt - now),
						at: formatTime(gig.startsAt, holder.timeZone ?? gig.timeZone),
						watchUrl: links(gig).watchUrl,
						unsubscribe: { url: unsubscribeUrl }
					})
			},
			liveNow: {
				kind: 'liveNow',
				topic: 'liveNow',
				statuses: ['live'],
				letter: (gig, _holder, _creator, unsubscribeUrl) => templates.liveNow({ gigTitle: gig.title, watchUrl: links(gig).watchUrl, unsubscribe: { url: unsubscribeUrl } })
			},
			gigCancelled: {
				kind: 'gigCancelled',
				statuses: ['cancelled'],
				letter: (gig, holder, creatorName) =>
					templates.gigCancelled({ gigTitle: gig.title, when: formatStart(gig.startsAt, holder.timeZone ?? gig.timeZone), creatorName, price: formatPrice(gig.priceMinor, gig.currency, 'en'), gigUrl: links(gig).gigUrl }),
				attachments: (gig) => [calendarAttachment(ctx.links, gig)]
			}
		};
	}

	/** A gig was cancelled: its ticket holders are told on the next pass (on whichever node). */
	async gigCancelled(gigId: string, now = Date.now()): Promise<void> {
		await this.ctx.redis.zadd(key.cancelled, now, gigId);
	}

	/** One pass at `now`: queues whatever reminders are due. Returns how many gigs it worked through. */
	async runOnce(now = Date.now()): Promise<number> {
		let handled = 0;
		for (const gig of await this.ctx.gigs.startingBetween(now, now + STARTS_SOON_MS)) {
			if (await this.fanOut(this.reminders.startsSoon, gig, gig.startsAt, now)) handled++;
		}
		for (const gig of await this.ctx.gigs.live()) {
			if (gig.startedAt !== null && now - gig.startedAt <= LIVE_RECENT_MS && (await this.fanOut(this.reminders.liveNow, gig, gig.startedAt, now))) handled++;
		}
		for (const gigId of await this.ctx.redis.zrange(key.cancelled, '0', '99')) {
			const gig = await this.ctx.gigs.get(gigId);
			if (gig?.status === 'cancelled' && (await this.fanOut(this.reminders.gigCancelled, gig, 0, now))) handled++;
			if (!gig || gig.status !== 'cancelled' || (await this.done(this.reminders.gigCancelled, gig, 0))) await this.ctx.redis.zrem(key.cancelled, gigId);
		}
		return handled;
	}

	private async done(reminder: Reminder, gig: Gig, stamp: number): Promise<boolean> {
		return (await this.ctx.redis.get(key.fanOut(reminder.kind, gig.id, stamp))) === 'done';
	}

	/** Queues one reminder to each of the gig's ticket holders, unless another node has or is doing it. */
	private async fanOut(reminder: Reminder, gig: Gig, stamp: number, now: number): Promise<boolean> {
		const claim = key.fanOut(reminder.kind, gig.id, stamp);
		if (!(await this.ctx.redis.set(claim, `working:${now}`, 'PX', LEASE_MS, 'NX'))) return false;
		const creator = await this.ctx.accounts.user(gig.creatorId);
		const creatorName = creator ? publicName(creator) : 'the creator';
		const holders = await this.ctx.tickets.holders(gig.id);
		for (let i = 0; i < holders.length; i += CHUNK) {
			await Promise.all(holders.slice(i, i + CHUNK).map((userId) => this.remind(reminder, gig, stamp, userId, creatorName, now)));
		}
		await this.ctx.redis.set(claim, 'done', 'EX', DONE_SECONDS);
		this.ctx.log.info({ gigId: gig.id, kind: reminder.kind, holders: holders.length }, 'reminders queued');
		return true;
	}

	private async remind(reminder: Reminder, gig: Gig, stamp: number, userId: string, creatorName: string, now: number): Promise<void> {
		const holder = await this.ctx.accounts.user(userId);
		if (!holder) return;
		if (reminder.topic && !(await this.ctx.preferences.wants(userId, reminder.topic))) return;
		const unsubscribe = reminder.topic ? await this.ctx.unsubscribe.link(userId, reminder.topic) : null;
		await this.ctx.mailer.send(
			holder.email,
			reminder.letter(gig, holder, creatorName, unsubscribe?.page ?? '', now),
			{ kind: reminder.kind, userId, topic: reminder.topic, gigId: gig.id, gigStatuses: reminder.statuses },
			{ headers: unsubscribe?.headers, attachments: reminder.attachments?.(gig), once: `${reminder.kind}:${gig.id}:${stamp}:${userId}` }
		);
	}
}

/** "in 1 hour", "in 20 minutes": how far off a start is, as the reminder says it. */
export function untilStart(ms: number): string {
	const minutes = Math.max(1, Math.round(ms / MINUTE));
	if (minutes >= 55) return 'in 1 hour';
	return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}
