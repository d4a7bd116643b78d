/** One scrape of a node's `/metrics`, read the way Prometheus would. */
export type Scrape = {
	/** The value of `name` with exactly these labels (undefined when absent). */
	value(name: string, labels?: Record<string, string>): number | undefined;
	/** The sum of `name` over all its label sets (0 when absent). */
	sum(name: string): number;
	/** Each label set of `name` with its value. */
	series(name: string): { labels: Record<string, string>; value: number }[];
};

export async function scrapeMetrics(url: string, token: string): Promise<Scrape> {
	const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
	if (res.status !== 200) throw new Error(`GET ${url}/metrics answered ${res.status}`);
	const lines = (await res.text()).split('\n').filter((l) => l && !l.startsWith('#'));
	const series = (name: string) =>
		lines.flatMap((line) => {
			const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
			if (!match || match[1] !== name) return [];
			const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
			return [{ labels, value: Number(match[3]) }];
		});
	return {
		series,
		value: (name, labels = {}) =>
			series(name).find((s) => Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value,
		sum: (name) => series(name).reduce((total, s) => total + s.value, 0)
	};
}
