import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import type { Person } from '../support/fixtures.js';

// The attack: 12 re-uploads of a gig's cover left 12 files of up to 5 MB on disk, 1 of them
// referenced, and anyone can become a creator. A replaced cover is deleted; uploads are limited
// per person (10 an hour) and per address (30 an hour).

const site = siteForThisFile({ browser: false });
const as = (person: Person) => new HttpClient(site.url).useSession(person.token);
const coverDir = () => path.join(site.server.dataDir, 'covers');
const filesOf = (gigId: string) => {
	try {
		return readdirSync(coverDir()).filter((f) => f.startsWith(`${gigId}-`));
	} catch {
		return [];
	}
};

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const form = (over: Record<string, string | Blob> = {}) => ({
	title: 'Cover night',
	category: 'concert',
	startsAtLocal: '2031-05-01T20:00',
	timeZone: 'Europe/Berlin',
	durationMinutes: '90',
	price: '0',
	currency: 'EUR',
	capacity: '',
	...over
});
const upload = (creator: Person, gigId: string) => as(creator).post(`/gigs/${gigId}/edit?/update`, form({ cover: new Blob([PNG, Buffer.from(String(Math.random()))], { type: 'image/png' }) }));

describe('cover uploads', () => {
	it('keep one file per gig however often the cover is replaced, and stop after 10 an hour per person', async () => {
		const creator = await site.make.person('creator');
		const gig = await site.make.gig(creator);
		const statuses: number[] = [];
		for (let i = 0; i < 12; i++) {
			const answer = await upload(creator, gig.id);
			statuses.push(answer.status);
			expect(filesOf(gig.id), `after upload ${i + 1}`).toHaveLength(1);
		}
		expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
		expect(statuses.slice(10)).toEqual([429, 429]);
		const stored = await site.make.gigs.get(gig.id);
		expect(filesOf(gig.id)).toEqual([stored!.coverFile]);
		expect((await new HttpClient(site.url).get(`/covers/${stored!.coverFile}`)).status).toBe(200);
		// The limit is the person's, not the gig's: another gig of theirs is refused too.
		const other = await site.make.gig(creator);
		expect((await upload(creator, other.id)).status).toBe(429);
		expect(filesOf(other.id)).toHaveLength(0);
	});

	it('writes nothing for a gig the uploader does not manage', async () => {
		const owner = await site.make.person('creator');
		const gig = await site.make.gig(owner);
		const stranger = await site.make.person('creator');
		expect((await upload(stranger, gig.id)).status).toBe(403);
		expect(filesOf(gig.id)).toHaveLength(0);
	});

	it('limit one address to 30 uploads an hour, however many accounts it uses', async () => {
		// The first test's 10 uploads came from this address too.
		const statuses: number[] = [];
		for (let person = 0; person < 3; person++) {
			const creator = await site.make.person('creator');
			const gig = await site.make.gig(creator);
			for (let i = 0; i < 8; i++) statuses.push((await upload(creator, gig.id)).status);
		}
		expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
		expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
	});
});
