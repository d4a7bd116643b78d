import { isIP } from 'node:net';
import { z } from 'zod';
import { isInternalAddress, isLocalHostname } from './private-address.js';

export const MAX_URL_LENGTH = 2000;

const PRIVATE_MESSAGE = 'This address is on a private network: Gigstage sends events only to public addresses';

/**
 * A creator's endpoint: http(s) only, no credentials, and (unless private targets are allowed)
 * no loopback or private address written as a literal. Names that resolve to one are refused
 * when sending, since DNS can change after the URL is saved.
 */
export function endpointUrlSchema(allowPrivate: boolean) {
	return z
		.string({ error: 'Enter the URL Gigstage should send events to' })
		.trim()
		.min(1, 'Enter the URL Gigstage should send events to')
		.max(MAX_URL_LENGTH, `Use at most ${MAX_URL_LENGTH} characters`)
		.pipe(z.url({ protocol: /^https?$/, error: 'Enter a full URL starting with https:// or http://' }))
		.transform((value, ctx) => {
			const url = new URL(value);
			if (url.username || url.password) {
				ctx.addIssue({ code: 'custom', message: 'Leave the user name and password out of the URL: check the signature header instead' });
				return z.NEVER;
			}
			if (!allowPrivate && targetsThisNetwork(url.hostname)) {
				ctx.addIssue({ code: 'custom', message: PRIVATE_MESSAGE });
				return z.NEVER;
			}
			url.hash = ''; // never sent anyway
			return url.href;
		});
}

function targetsThisNetwork(hostname: string): boolean {
	const bare = hostname.replace(/^\[|\]$/g, '');
	return isLocalHostname(bare) || (isIP(bare) !== 0 && isInternalAddress(bare));
}
