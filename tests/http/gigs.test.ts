import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';
import type { Person } from '../support/fixtures.js';

const site = siteForThisFile({ browser: false, env: () => ({ PLATFORM_WALLET: '$wallet.example/gigstage' }) });

function as(person: Person): HttpClient {
	const http = new HttpClient(site.url);
	http.useSession(person.token);
	return http;
}

const gigForm = (over: Record<string, string> = {}) => ({
	title: 'Friday jazz',
	description: 'Standards and <b>originals</b>',
	category: 'concert',
	startsAtLocal: '2031-05-01T20:00',
	timeZone: 'Europe/Berlin',
	durationMinutes: '90',
	price: '12.50',
	currency: 'EUR',
	capacity: '',
	...over
});

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

async function register(http: HttpClient, over: Record<string, string | Blob> = {}): Promise<string> {
	const answer = await http.post('/gigs/new', { ...gigForm(), ...over });
	expect(answer.status, answer.text.slice(0, 300)).toBe(303);
	return /\/gigs\/([a-z0-9]+)\/credentials/.exec(answer.location!)![1]!;
}

describe('gigs over HTTP', () => {
	it('registers a gig with a cover, then shows it on its page and on the home page', async () => {
		const creator = await site.make.person('creator');
		const http = as(creator);
		const id = await register(http, { cover: new Blob([PNG], { type: 'image/png' }) });
		const page = await http.get(`/gigs/${id}`);
		expect(page.text).toContain('Friday jazz');
		expect(page.text).toContain('€12.50');
		expect(page.text).toContain('originals');
		expect(page.text).not.toContain('<b>originals'); // shown as text, never as HTML
		const cover = /\/covers\/([a-z0-9]+-[a-z0-9]+\.png)/.exec(page.text)?.[1];
		expect(cover).toBeDefined();
		const image = await http.get(`/covers/${cover}`);
		expect(image.status).toBe(200);
		expect(image.headers.get('content-type')).toBe('image/png');
		expect((await new HttpClient(site.url).get('/')).text).toContain(`/gigs/${id}`);
	});

	it('refuses bad gig input field by field, keeping what was typed', async () => {
		const http = as(await site.make.person('creator'));
		const answer = await http.post('/gigs/new', gigForm({ title: 'x', startsAtLocal: 'soon', timeZone: 'Nowhere/Land', price: 'free', capacity: '-1' }));
		expect(answer.status).toBe(400);
		for (const message of ['Use at least 3 characters', 'Pick a date and time', 'Pick a valid time zone', 'Enter a price like', 'Capacity must be at least 1']) {
			expect(answer.text).toContain(message);
		}
		expect(answer.text).toContain('Standards and');
	});

	it('refuses a cover that is not an image', async () => {
		const http = as(await site.make.person('creator'));
		const answer = await http.post('/gigs/new', { ...gigForm(), cover: new Blob(['<script>alert(1)</script>'], { type: 'image/png' }) });
		expect(answer.status).toBe(303);
		expect(answer.location).toContain('coverError=1');
		const edit = await http.get(answer.location!);
		expect(edit.text).toContain('PNG, JPEG or WebP');
	});

	it('lets only the creator edit a gig, and only the creator or an admin see its stream key', async () => {
		const creator = await site.make.person('creator');
		const id = await register(as(creator));
		const stranger = as(await site.make.person('creator'));
		expect((await stranger.post(`/gigs/${id}/edit?/update`, gigForm({ title: 'Hijacked' }))).status).toBe(403);
		expect((await stranger.get(`/gigs/${id}/credentials`)).status).toBe(403);
		expect((await new HttpClient(site.url).get(`/gigs/${id}/credentials`)).status).toBe(303);

		const edited = await as(creator).post(`/gigs/${id}/edit?/update`, gigForm({ title: 'Saturday jazz' }));
		expect(edited.status).toBe(200);
		expect((await new HttpClient(site.url).get(`/gigs/${id}`)).text).toContain('Saturday jazz');
	});

	it('shows OBS credentials and rotates the stream key so the old one stops working', async () => {
		const creator = await site.make.person('creator');
		const http = as(creator);
		const id = await register(http);
		const before = await http.get(`/gigs/${id}/credentials`);
		expect(before.text).toMatch(/rtmp:\/\/127\.0\.0\.1:1935\/live/);
		const oldKey = (await site.make.gigs.streamKey(id, creator.user))!;
		expect(before.text).toContain(oldKey);
		expect((await http.post(`/gigs/${id}/credentials?/rotate`, { confirm: 'yes' })).status).toBe(200);
		const newKey = await site.make.gigs.streamKey(id, creator.user);
		expect(newKey).not.toBe(oldKey);
		expect(await site.make.gigs.byStreamKey(oldKey)).toBeNull();
		expect((await http.get(`/gigs/${id}/credentials`)).text).toContain(newKey);
	});

	it('cancels a gig: ticket holders see it cancelled and it leaves the listings', async () => {
		const creator = await site.make.person('creator');
		const http = as(creator);
		const id = await register(http, { title: 'Doomed show', price: '0' });
		const fan = await site.make.person();
		expect((await as(fan).post(`/gigs/${id}?/buy`, { method: 'free' })).status).toBeLessThan(400);
		expect((await http.post(`/gigs/${id}/edit?/cancel`, { confirm: 'yes' })).status).toBe(303);
		expect((await as(fan).get(`/gigs/${id}`)).text).toMatch(/cancelled/i);
		expect((await as(fan).get('/me')).text).toMatch(/cancelled/i);
		expect((await new HttpClient(site.url).get('/')).text).not.toContain('Doomed show');
	});

	it('lists upcoming gigs by start time with filters and stable pages', async () => {
		const http = as(await site.make.person('creator'));
		const tag = `t${Date.now().toString(36)}`;
		for (let day = 1; day <= 5; day++) await register(http, { title: `${tag} day ${day}`, startsAtLocal: `2031-0${day}-10T20:00`, category: day % 2 ? 'comedy' : 'dance' });
		const visitor = new HttpClient(site.url);
		const titles = (html: string) => [...html.matchAll(new RegExp(`${tag} day (\\d)`, 'g'))].map((m) => Number(m[1]));
		const all = await visitor.get(`/?q=${tag}`);
		expect([...new Set(titles(all.text))]).toEqual([1, 2, 3, 4, 5]);
		const comedy = await visitor.get(`/?q=${tag}&category=comedy`);
		expect([...new Set(titles(comedy.text))]).toEqual([1, 3, 5]);
		expect((await visitor.get('/?cursor=garbage!')).status).toBeLessThan(500);
	});

	it('links the platform’s wallet on every page and the creator’s on the watch page', async () => {
		const { gig, viewer } = await site.make.show();
		const monetization = (html: string) => [...html.matchAll(/<link rel="monetization" href="([^"]+)"/g)].map((m) => m[1]);
		expect(monetization((await new HttpClient(site.url).get('/')).text)).toEqual(['https://wallet.example/gigstage']);
		expect(monetization((await new HttpClient(site.url).get(`/gigs/${gig.id}`)).text)).toEqual(['https://wallet.example/gigstage']);
		expect(monetization((await as(viewer).get(`/gigs/${gig.id}/watch`)).text)).toEqual(['https://wallet.example/creator']);
	});
});
