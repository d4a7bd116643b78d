import { describe, expect, it } from 'vitest';
import { Gigs } from '../../src/lib/server/gigs/gigs.js';
import { zonedTimeToUtc, utcToZonedTime } from '../../src/lib/server/gigs/zoned-time.js';
import { formatPrice } from '../../src/lib/server/gigs/gig-input.js';
import { redisForThisFile } from '../support/redis.js';
import { gigInput } from '../support/fixtures.js';

const store = redisForThisFile();
const creator = { id: 'creator-1', role: 'creator' };

describe('gig input', () => {
	it('turns a wall-clock time in a zone into the right instant, across DST', () => {
		expect(zonedTimeToUtc('2030-01-15T20:00', 'Europe/Berlin')).toBe(Date.UTC(2030, 0, 15, 19, 0));
		expect(zonedTimeToUtc('2030-07-15T20:00', 'Europe/Berlin')).toBe(Date.UTC(2030, 6, 15, 18, 0));
		expect(zonedTimeToUtc('2030-07-15T20:00', 'America/New_York')).toBe(Date.UTC(2030, 6, 16, 0, 0));
		expect(utcToZonedTime(Date.UTC(2030, 6, 15, 18, 0), 'Europe/Berlin')).toBe('2030-07-15T20:00');
		expect(zonedTimeToUtc('2030-02-30T20:00', 'UTC')).toBeNull();
	});

	it('stores prices in minor units and formats them', async () => {
		const gig = await new Gigs(store.redis).create(creator, gigInput({ price: '12,5' }));
		expect(gig.priceMinor).toBe(1250);
		expect(formatPrice(1250, 'EUR')).toBe('€12.50');
		expect(formatPrice(0, 'EUR')).toBe('Free');
	});

	it('refuses bad input field by field and stores nothing', async () => {
		const gigs = new Gigs(store.redis);
		await expect(
			gigs.create(creator, gigInput({ title: 'x', category: 'karaoke', startsAtLocal: 'tomorrow', timeZone: 'Mars/Olympus', durationMinutes: '0', price: '-3', capacity: 'lots' }))
		).rejects.toMatchObject({
			code: 'INVALID_INPUT',
			fields: {
				title: expect.any(String),
				category: expect.any(String),
				startsAtLocal: expect.any(String),
				timeZone: expect.any(String),
				durationMinutes: expect.any(String),
				price: expect.any(String),
				capacity: expect.any(String)
			}
		});
		expect(await store.redis.dbsize()).toBe(0);
	});
});

describe('gigs', () => {
	it('lists upcoming gigs by start time, a stable page at a time while gigs are added', async () => {
		const gigs = new Gigs(store.redis);
		const now = Date.UTC(2030, 0, 1);
		const created = [];
		for (let day = 1; day <= 5; day++) created.push(await gigs.create(creator, gigInput({ title: `Day ${day}`, startsAtLocal: `2030-03-0${day}T20:00` })));
		const first = await gigs.upcoming({ limit: 2 }, now);
		expect(first.gigs.map((g) => g.title)).toEqual(['Day 1', 'Day 2']);
		// A gig added before the cursor's position does not shift the next page.
		await gigs.create(creator, gigInput({ title: 'Early bird', startsAtLocal: '2030-02-01T20:00' }));
		const second = await gigs.upcoming({ limit: 2, cursor: first.nextCursor }, now);
		expect(second.gigs.map((g) => g.title)).toEqual(['Day 3', 'Day 4']);
		const third = await gigs.upcoming({ limit: 2, cursor: second.nextCursor }, now);
		expect(third.gigs.map((g) => g.title)).toEqual(['Day 5']);
		expect(third.nextCursor).toBeNull();
	});

	it('pages through gigs that start at the same moment without repeating or skipping one', async () => {
		const gigs = new Gigs(store.redis);
		for (let i = 0; i < 7; i++) await gigs.create(creator, gigInput({ title: `Same time ${i}` }));
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const page = await gigs.upcoming({ limit: 3, cursor }, Date.UTC(2030, 0, 1));
			seen.push(...page.gigs.map((g) => g.id));
			cursor = page.nextCursor;
		} while (cursor);
		expect(seen).toHaveLength(7);
		expect(new Set(seen).size).toBe(7);
	});

	it('filters by category and by title', async () => {
		const gigs = new Gigs(store.redis);
		await gigs.create(creator, gigInput({ title: 'Morning yoga', category: 'fitness' }));
		await gigs.create(creator, gigInput({ title: 'Stand-up night', category: 'comedy' }));
		await gigs.create(creator, gigInput({ title: 'Yoga for runners', category: 'fitness' }));
		const now = Date.UTC(2030, 0, 1);
		expect((await gigs.upcoming({ category: 'comedy' }, now)).gigs.map((g) => g.title)).toEqual(['Stand-up night']);
		expect((await gigs.upcoming({ q: 'YOGA' }, now)).gigs.map((g) => g.title).sort()).toEqual(['Morning yoga', 'Yoga for runners']);
		expect((await gigs.upcoming({ category: 'comedy', q: 'yoga' }, now)).gigs).toEqual([]);
		await expect(gigs.upcoming({ cursor: '%%%' }, now)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
	});

	it('moves a gig from upcoming to live and off the lists when it ends', async () => {
		const gigs = new Gigs(store.redis);
		const gig = await gigs.create(creator, gigInput());
		const now = Date.UTC(2030, 0, 1);
		await gigs.markLive(gig.id, now);
		expect((await gigs.live()).map((g) => g.id)).toEqual([gig.id]);
		expect((await gigs.upcoming({}, now)).gigs).toEqual([]);
		await gigs.markEnded(gig.id);
		expect(await gigs.live()).toEqual([]);
		expect((await gigs.get(gig.id))?.status).toBe('ended');
	});

	it('lets only its creator edit a gig, and only before it starts', async () => {
		const gigs = new Gigs(store.redis);
		const gig = await gigs.create(creator, gigInput());
		await expect(gigs.update(gig.id, { id: 'someone-else', role: 'creator' }, gigInput({ title: 'Mine now' }))).rejects.toMatchObject({ code: 'FORBIDDEN' });
		const edited = await gigs.update(gig.id, creator, gigInput({ title: 'Saturday jazz', category: 'talk' }));
		expect(edited.title).toBe('Saturday jazz');
		expect((await gigs.upcoming({ category: 'concert' }, Date.UTC(2030, 0, 1))).gigs).toEqual([]);
		expect((await gigs.upcoming({ category: 'talk' }, Date.UTC(2030, 0, 1))).gigs.map((g) => g.id)).toEqual([gig.id]);
		await gigs.markLive(gig.id, Date.now());
		await expect(gigs.update(gig.id, creator, gigInput())).rejects.toMatchObject({ code: 'GIG_STARTED' });
	});

	it('cancels a gig: off the listings, marked cancelled', async () => {
		const gigs = new Gigs(store.redis);
		const gig = await gigs.create(creator, gigInput());
		await gigs.cancel(gig.id, creator);
		expect((await gigs.get(gig.id))?.status).toBe('cancelled');
		expect((await gigs.upcoming({}, Date.UTC(2030, 0, 1))).gigs).toEqual([]);
	});

	it('rotates the stream key: the old one stops working at once', async () => {
		const gigs = new Gigs(store.redis);
		const gig = await gigs.create(creator, gigInput());
		const old = await gigs.streamKey(gig.id, creator);
		expect((await gigs.byStreamKey(old))?.id).toBe(gig.id);
		const fresh = await gigs.rotateStreamKey(gig.id, creator);
		expect(fresh).not.toBe(old);
		expect(await gigs.byStreamKey(old)).toBeNull();
		expect((await gigs.byStreamKey(fresh))?.id).toBe(gig.id);
		await expect(gigs.streamKey(gig.id, { id: 'intruder', role: 'viewer' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
	});
});

describe('who may create gigs', () => {
	it('refuses a viewer', async () => {
		await expect(new Gigs(store.redis).create({ id: 'v', role: 'viewer' }, gigInput())).rejects.toMatchObject({ code: 'FORBIDDEN' });
		expect(await store.redis.dbsize()).toBe(0);
	});
});
