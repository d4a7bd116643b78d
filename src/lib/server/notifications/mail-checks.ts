import type { Accounts } from '../accounts/accounts.js';
import type { Gigs } from '../gigs/gigs.js';
import type { MailChecks } from '../mail/mailer.js';
import type { MailAbout } from '../mail/outgoing.js';
import type { NotificationPreferences } from './preferences.js';

/**
 * Whether a queued mail is still wanted when its turn comes: its person still has an account
 * and this kind of mail switched on, and its gig is still in a state the mail makes sense for.
 */
export class StillWanted implements MailChecks {
	constructor(
		private readonly accounts: Pick<Accounts, 'user'>,
		private readonly gigs: Pick<Gigs, 'get'>,
		private readonly preferences: Pick<NotificationPreferences, 'wants'>
	) {}

	async stillWanted(about: MailAbout): Promise<boolean> {
		if (about.userId && !(await this.accounts.user(about.userId))) return false;
		if (about.userId && about.topic && !(await this.preferences.wants(about.userId, about.topic))) return false;
		if (about.gigId && about.gigStatuses) {
			const gig = await this.gigs.get(about.gigId);
			if (!gig || !about.gigStatuses.includes(gig.status)) return false;
		}
		return true;
	}
}
