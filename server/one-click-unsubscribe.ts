import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Notifications } from '../src/lib/server/notifications/notifications.js';
import { STORE_FAILURE_MESSAGES, STORE_FAILURE_STATUS, storeFailure } from '../src/lib/server/store-errors.js';

/**
 * RFC 8058 one-click unsubscribe: mail programs POST `List-Unsubscribe=One-Click` to the address
 * in a notification's List-Unsubscribe header, from their own servers, without an Origin header,
 * so this cannot be a SvelteKit form action (its CSRF check refuses such posts). The token itself
 * (an HMAC over person and topic) is the authorisation. A GET (a mail program without one-click
 * support opening the address) goes to the page that asks first.
 */
export function oneClickUnsubscribe(notifications: Pick<Notifications, 'unsubscribe' | 'preferences'>, log: Logger): Router {
	const router = express.Router();
	const path = '/mail/unsubscribe/:token/one-click';
	router.post(path, express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
		try {
			const { userId, topic } = await notifications.unsubscribe.read(String(req.params.token));
			await notifications.preferences.set(userId, { [topic]: false });
			res.status(200).type('text/plain').send('Unsubscribed.');
		} catch (error) {
			// Redis away or full: say so (the mail program may try again), not that the link is bad.
			const failure = storeFailure(error);
			if (failure) return void res.status(STORE_FAILURE_STATUS[failure]).set('retry-after', '60').type('text/plain').send(STORE_FAILURE_MESSAGES[failure]);
			log.debug({ err: error }, 'one-click unsubscribe refused');
			res.status(400).type('text/plain').send('This unsubscribe link is not valid.');
		}
	});
	router.get(path, (req, res) => res.redirect(303, `/mail/unsubscribe/${encodeURIComponent(String(req.params.token))}`));
	return router;
}
