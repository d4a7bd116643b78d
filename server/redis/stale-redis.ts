import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';

const GRACE_MS = 5000;

/**
 * Stops the redis-server a killed Gigstage left running on this data directory (its pid file
 * says which). Gigstage killed with SIGKILL cannot take its child along, and a second server
 * appending to the same file would corrupt it. Returns the pid it stopped, or null.
 */
export async function stopStaleRedis(pidFile: string): Promise<number | null> {
	const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
	if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return null;
	// The pid may belong to someone else by now: only a redis-server is ours to stop.
	const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
	if (!command.includes('redis-server')) {
		await rm(pidFile, { force: true });
		return null;
	}
	signal(pid, 'SIGCONT'); // a frozen one acts on nothing else
	signal(pid, 'SIGTERM'); // it writes out its append-only file and goes
	const deadline = Date.now() + GRACE_MS;
	while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
	if (alive(pid)) signal(pid, 'SIGKILL');
	while (alive(pid) && Date.now() < deadline + GRACE_MS) await new Promise((r) => setTimeout(r, 20));
	return pid;
}

function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch {
		// already gone
	}
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	// A killed process nobody has reaped yet (a zombie) holds no files any more.
	try {
		return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
	} catch {
		return false;
	}
}
