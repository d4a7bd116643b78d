import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sfu } from '../../sfu/sfu.js';
import { testLog } from '../support/log.js';
import { waitFor } from '../support/media.js';

const restarted: string[] = [];
let sfu: Sfu;

beforeAll(async () => {
	sfu = await Sfu.start({ workers: 1, listenIp: '127.0.0.1', basePort: 0 }, { consumerClosed: () => {}, gigRestarted: (gigId) => restarted.push(gigId) }, testLog);
});
afterAll(() => sfu.close());

describe('worker death', () => {
	it('replaces a dead worker, re-creates its gigs and asks their clients to rejoin', async () => {
		const before = await sfu.room('recover-me');
		before.addPeer('viewer');
		await before.createTransport('viewer', 'recv');
		const deadPid = sfu.workers[0]!.worker.pid;

		process.kill(deadPid, 'SIGKILL');

		await waitFor('the gig is reported restarted', () => restarted.includes('recover-me'));
		const after = await sfu.room('recover-me');
		expect(after).not.toBe(before);
		expect(after.closed).toBe(false);
		expect(sfu.workers[0]!.worker.pid).not.toBe(deadPid);
		expect(sfu.workers[0]!.worker.died).toBe(false);
		// The new room works: a transport can be created on the replacement worker.
		after.addPeer('viewer');
		await expect(after.createTransport('viewer', 'recv')).resolves.toMatchObject({ id: expect.any(String) });
	});
});
