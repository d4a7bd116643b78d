import type { Mailer } from '../mail/mailer.js';
import type { SiteLinks } from '../site-links.js';

/** What the account flows need to mail people links to this site. */
export type AccountMail = { mailer: Pick<Mailer, 'send'>; links: SiteLinks };
