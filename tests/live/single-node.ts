import { afterEach } from 'vitest';
import { serverForThisFile, type ServerForThisFile } from '../support/server.js';
import type { Person } from '../support/fixtures.js';
import { connectLive, type LiveClient } from './clients.js';

export type LiveServer = ServerForThisFile & {
	/** A `/live` client, closed after each test. */
	client(cookie?: string): Promise<LiveClient>;
	/** A client that has joined the gig's chat as `person`. */
	joined(gigId: string, person: Person): Promise<{ client: LiveClient; answer: any }>;
};

/** One Gigstage server (in this process) for the test file, with `/live` and `/media` clients. */
export function liveServerForThisFile(env: Record<string, string> = {}): LiveServer {
	const live = serverForThisFile(env) as LiveServer;
	const open: LiveClient[] = [];
	afterEach(() => {
		for (const c of open.splice(0)) c.close();
	});
	live.client = async (cookie) => {
		const c = await connectLive(live.server.url, cookie);
		open.push(c);
		return c;
	};
	live.joined = async (gigId, person) => {
		const client = await live.client(person.cookie);
		const answer = await client.request('live:join', { gigId });
		if (!answer.ok) throw new Error(`live:join refused: ${JSON.stringify(answer)}`);
		return { client, answer: answer.ok };
	};
	return live;
}
