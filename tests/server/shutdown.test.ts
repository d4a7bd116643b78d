import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { closeInOrder } from '../../server/shutdown.js';

function recordingLog() {
	const lines: { msg: string; step?: string }[] = [];
	const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
	return { log, lines };
}

describe('closing in order within a bound', () => {
	it('closes every step it can, in order, and names the ones that failed or overran', async () => {
		const { log, lines } = recordingLog();
		const closed: string[] = [];
		const started = Date.now();
		const unfinished = await closeInOrder(
			[
				{ name: 'first', limitMs: 500, run: () => void closed.push('first') },
				{ name: 'frozen', limitMs: 200, run: () => new Promise(() => {}) },
				{ name: 'broken', limitMs: 500, run: () => Promise.reject(new Error('connection lost')) },
				{ name: 'last', limitMs: 500, run: async () => void closed.push('last') }
			],
			log,
			5000
		);
		expect(closed).toEqual(['first', 'last']);
		expect(unfinished).toEqual(['frozen', 'broken']);
		expect(Date.now() - started).toBeLessThan(1000);
		expect(lines.filter((l) => l.step).map((l) => `${l.step}: ${l.msg}`)).toEqual(['frozen: shutdown: did not close in time; moving on', 'broken: shutdown: could not close; moving on']);
	});

	it('keeps to the overall bound, skipping what there is no time left for', async () => {
		const { log } = recordingLog();
		const started = Date.now();
		const unfinished = await closeInOrder(
			[
				{ name: 'slow', limitMs: 5000, run: () => new Promise(() => {}) },
				{ name: 'never reached', limitMs: 5000, run: () => undefined }
			],
			log,
			300
		);
		expect(Date.now() - started).toBeLessThan(800);
		expect(unfinished).toEqual(['slow', 'never reached']);
	});
});
