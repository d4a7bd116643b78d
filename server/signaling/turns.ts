/**
 * Runs one connection's tasks of a kind (its joins) one at a time, in the order they came: a
 * task starts once the one before it has settled, so it sees what that one decided.
 */
export class Turns {
	private last: Promise<unknown> = Promise.resolve();

	run<T>(task: () => Promise<T>): Promise<T> {
		const result = this.last.then(task);
		this.last = result.catch(() => undefined);
		return result;
	}

	/** Resolves once every task queued so far has settled. */
	get idle(): Promise<void> {
		return this.last.then(() => undefined);
	}
}
