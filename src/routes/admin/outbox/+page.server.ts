import type { PageServerLoad } from './$types';
import { services } from '$lib/server/services';
import { adminOnly } from './admin-only';

export const load: PageServerLoad = async ({ locals, url, setHeaders }) => {
	adminOnly(locals.user, url);
	setHeaders({ 'Cache-Control': 'no-store' });
	const { mail } = services();
	const [outbox, failed, waiting] = await Promise.all([mail.list('outbox'), mail.list('failed'), mail.queue.waiting()]);
	const row = (m: (typeof outbox)[number]) => ({ id: m.id, to: m.to, subject: m.subject, kind: m.about.kind, at: m.lastAttemptAt ?? m.createdAt, error: m.error, attempts: m.attempts });
	return { usesOutbox: mail.usesOutbox, outbox: outbox.map(row), failed: failed.map(row), waiting };
};
