import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { FailureLog } from '../../server/signaling/failure-log.js';

/** A FailureLog writing into an array, on a clock the test moves. */
function recorded() {
	const lines: Record<string, unknown>[] = [];
	const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
	const clock = { now: 1_000_000 };
	return { lines, clock, failures: new FailureLog(log, () => clock.now) };
}

describe('FailureLog', () => {
	it('logs one connection repeating a failing message once a minute, with how many it left out', () => {
		const { lines, clock, failures } = recorded();
		for (let i = 0; i < 500; i++) failures.failed('socket-1', 'join', new Error('boom'));
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({ level: 50, socketId: 'socket-1', name: 'join', repeatsLeftOut: 0 });
		clock.now += 60_000;
		failures.failed('socket-1', 'join', new Error('boom'));
		expect(lines).toHaveLength(2);
		expect(lines[1]).toMatchObject({ repeatsLeftOut: 499 });
	});

	it('bounds the lines of many connections together, and says how many it left out', () => {
		const { lines, clock, failures } = recorded();
		for (let i = 0; i < 1000; i++) failures.failed(`socket-${i}`, 'consume', new Error('boom'));
		expect(lines.length).toBe(20);
		clock.now += 60_000;
		failures.failed('socket-late', 'consume', new Error('boom'));
		expect(lines.at(-2)).toMatchObject({ linesLeftOut: 980 });
		expect(lines.at(-1)).toMatchObject({ socketId: 'socket-late' });
	});
});
