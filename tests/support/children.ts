import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
let hooked = false;

/**
 * Kills `child` when this test process exits, should nothing else stop it first (a start-up hook
 * that timed out leaves its afterAll nothing to stop).
 */
export function stopOnExit(child: ChildProcess): ChildProcess {
	running.add(child);
	child.once('exit', () => running.delete(child));
	if (!hooked) {
		hooked = true;
		process.once('exit', () => {
			for (const c of running) c.kill('SIGTERM'); // lets a server stop its own Redis
		});
	}
	return child;
}
