import { afterAll, afterEach, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { fixtures, type Person } from '../support/fixtures.js';
import { connectLive, type LiveClient } from './clients.js';

export type LiveServer = {
	server: TestServer;
	make: ReturnType<typeof fixtures>;
	/** A `/live` client, closed after each test. */
	client(cookie?: string): Promise<LiveClient>;
	/** A client that has joined the gig's chat as `person`. */
	joined(gigId: string, person: Person): Promise<{ client: LiveClient; answer: any }>;
};

/** One Gigstage server (in this process) for the test file, with `/live` clients. */
export function liveServerForThisFile(env: Record<string, string> = {}): LiveServer {
	const live = {} as LiveServer;
	const open: LiveClient[] = [];
	beforeAll(async () => {
		live.server = await startTestServer(undefined, env);
		live.make = fixtures(live.server.redis);
	});
	afterEach(() => {
		for (const c of open.splice(0)) c.close();
	});
	afterAll(() => live.server?.close());
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
