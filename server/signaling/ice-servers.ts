import { createHmac } from 'node:crypto';
import type { Config } from '../config.js';
import type { IceServer } from '../../src/lib/signaling/messages.js';

/**
 * TURN credentials outlive their use only briefly: a browser allocates its relay while the
 * transport connects, and coturn keeps refreshing an allocation made in time. A transport set up
 * later (a rejoin) asks for new ones.
 */
export const TURN_CREDENTIAL_LIFETIME_SECONDS = 600;

/**
 * The ICE servers handed out with each media transport, so only people the media gate let into a
 * gig get them: STUN as configured, TURN with TURN REST credentials (coturn's `use-auth-secret`).
 */
export class IceServers {
	private readonly stun: string[];
	private readonly turn: string[];

	constructor(
		urls: string[],
		private readonly secret: string | undefined,
		private readonly now: () => number = Date.now
	) {
		this.stun = urls.filter((url) => url.startsWith('stun:'));
		this.turn = urls.filter((url) => url.startsWith('turn'));
	}

	static fromConfig(config: Pick<Config, 'ICE_SERVERS' | 'TURN_SECRET'>): IceServers {
		return new IceServers(config.ICE_SERVERS ?? [], config.TURN_SECRET);
	}

	/** The servers for one connection; `holder` names it in the TURN server's logs. */
	for(holder: string): IceServer[] {
		const servers: IceServer[] = [];
		if (this.stun.length) servers.push({ urls: this.stun });
		if (this.turn.length && this.secret) {
			const expiresAt = Math.floor(this.now() / 1000) + TURN_CREDENTIAL_LIFETIME_SECONDS;
			servers.push({ urls: this.turn, ...turnCredential(this.secret, holder, expiresAt) });
		}
		return servers;
	}
}

/**
 * The TURN REST API credential (draft-uberti-behave-turn-rest), as coturn checks it with
 * `use-auth-secret`: the username is "<expiry in unix seconds>:<holder>", the password the
 * base64 HMAC-SHA1 of the username keyed with the shared secret. Past the expiry coturn refuses it.
 */
export function turnCredential(secret: string, holder: string, expiresAtSeconds: number): { username: string; credential: string } {
	const username = `${expiresAtSeconds}:${holder}`;
	return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}
