/**
 * Join to first frame per browser and per network path: direct UDP, the SFU's TCP candidate, and
 * TURN. The server runs on its defaults with coturn beside it in a namespace of its own; viewers
 * sit in a venue namespace whose firewall decides the path (tests/support/venue.ts), and each
 * join is checked to have taken the path it is counted under. Run: `npm run bench:paths`
 * (env BENCH_JOINS, default 5 per browser and path); writes bench/results/paths.json.
 *
 * A TURN join includes the wait for the direct attempt (DIRECT_ANSWER_DEADLINE_MS) before the
 * relay is tried: that is what a viewer behind such a network sees.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { readPaintedFrames, type PaintedFrames } from '../tests/support/frames.js';
import { closePage, openPage } from '../tests/support/pages.js';
import { FIREWALLS, SITE, STAGE_SITE, startVenue, type Venue } from '../tests/support/venue.js';
import type { Person } from '../tests/support/fixtures.js';
import { envInt, percentile, poll, round } from './frame-clock.js';

const JOINS = envInt('BENCH_JOINS', 5);
const RESULTS = new URL('./results/', import.meta.url);

type Browser = 'Chromium' | 'Firefox';
/** Per path and browser: the venue's firewall, and the path the watch page must report. */
const PATHS: { path: 'udp' | 'tcp' | 'turn'; runs: Record<Browser, { firewall: string; reported: string | null }> }[] = [
	{ path: 'udp', runs: { Chromium: { firewall: FIREWALLS.open, reported: null }, Firefox: { firewall: FIREWALLS.open, reported: null } } },
	{ path: 'tcp', runs: { Chromium: { firewall: FIREWALLS.noUdp, reported: 'tcp' }, Firefox: { firewall: FIREWALLS.noUdp, reported: 'tcp' } } },
	// Firefox refuses coturn's self-signed certificate on TLS: it relays over TCP here.
	{ path: 'turn', runs: { Chromium: { firewall: FIREWALLS.onlyWeb, reported: 'relay-tls' }, Firefox: { firewall: FIREWALLS.noUdpNoSfu, reported: 'relay-tcp' } } }
];

const readPath = () => document.querySelector('[data-testid="connection-path"]')?.getAttribute('data-path') ?? null;

/** One join from the venue: the first frame's time after the first consume request, and the path the page reported. */
async function join(v: Venue, browser: Browser, url: string, person: Person): Promise<{ ms: number; reported: string | null }> {
	const page =
		browser === 'Chromium'
			? await openPage(v.venueChromium, url, { person }).then((p) => ({ read: () => p.evaluate(readPaintedFrames), path: () => p.evaluate(readPath), close: () => closePage(p) }))
			: await v.venueFirefox.newPage(url, { person }).then((p) => ({ read: () => p.evaluate(readPaintedFrames), path: () => p.evaluate(readPath), close: () => p.close() }));
	try {
		const first = await poll('the joining viewer paints a frame', 30_000, async () => ((await page.read()) as PaintedFrames).firstFrameMs);
		// The note appears once the connection reports its path (direct UDP: never).
		const reported = await poll('the page settles on its path', 5000, async () => (await page.path()) ?? null).catch(() => null);
		return { ms: first, reported };
	} finally {
		await page.close();
	}
}

const v = await startVenue();
try {
	const { gig, creator, viewer } = await v.site.make.show();
	const studio = await openPage(v.studioBrowser, `${STAGE_SITE}/studio/${gig.id}`, { person: creator });
	await studio.getByTestId('go-live').click();
	await poll('the studio is live', 20_000, async () => ((await studio.getByTestId('broadcast-status').textContent())?.includes('Live') ? true : null));
	const rows = [];
	for (const { path, runs } of PATHS) {
		for (const [browser, { firewall, reported }] of Object.entries(runs) as [Browser, (typeof runs)[Browser]][]) {
			v.venue.firewall(firewall);
			const samples: number[] = [];
			for (let i = 0; i < JOINS; i++) {
				const result = await join(v, browser, `${SITE}/gigs/${gig.id}/watch`, viewer);
				if (result.reported !== reported) throw new Error(`${browser} on the ${path} path: the page reported ${result.reported ?? 'nothing'}, not ${reported ?? 'nothing'}`);
				samples.push(result.ms);
			}
			const sorted = [...samples].sort((a, b) => a - b);
			const row = { browser, path, reported, medianMs: round(percentile(sorted, 0.5)), p95Ms: round(percentile(sorted, 0.95)), samplesMs: samples };
			console.log(`${browser.padEnd(8)} ${path.padEnd(4)} median ${row.medianMs} ms, p95 ${row.p95Ms} ms (${samples.join(', ')})`);
			rows.push(row);
		}
	}
	await closePage(studio);
	await mkdir(RESULTS, { recursive: true });
	const result = { bench: 'paths', when: new Date().toISOString(), joinsPerRow: JOINS, cores: os.availableParallelism(), loadAverage: os.loadavg().map(round), rows };
	await writeFile(new URL('paths.json', RESULTS), JSON.stringify(result, null, '\t') + '\n');
} finally {
	await v.stop();
}
