import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { siteForThisFile } from '../support/site.js';
import { HttpClient } from '../support/http.js';

// The attack: with ADMIN_EMAILS set, whoever signed up first with a listed address became an
// admin, and addresses are never verified. Admin is now granted only by the operator, on the
// server, with `npm run admin -- grant <email>`.

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const site = siteForThisFile({ browser: false, env: () => ({ ADMIN_EMAILS: 'boss@example.org' }) });

/** `npm run admin -- …` against a data directory, as an operator runs it on the server. */
async function admin(dataDir: string, ...args: string[]): Promise<{ code: number; out: string }> {
	try {
		const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/admin.ts', ...args], { cwd: root, env: { ...process.env, DATA_DIR: dataDir, REDIS_URL: '' } });
		return { code: 0, out: stdout + stderr };
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string };
		return { code: failed.code, out: failed.stdout + failed.stderr };
	}
}

describe('admin rights', () => {
	it('are not given to whoever signs up with an address in ADMIN_EMAILS, and the log says so', async () => {
		const http = new HttpClient(site.url);
		expect((await http.post('/signup', { email: 'boss@example.org', password: 'correct horse battery staple', displayName: 'The Boss' })).status).toBe(303);
		const id = await site.redis.get('gs:user-email:boss@example.org');
		expect(await site.redis.hget(`gs:user:${id}`, 'role')).toBe('viewer');
		expect(site.server.logs.join('\n')).toMatch(/ADMIN_EMAILS is no longer read/);
	});

	it('are granted, listed and taken back by the operator’s command against the running server', async () => {
		const { gig } = await site.make.show();
		const helper = await site.make.person();
		const http = new HttpClient(site.url).useSession(helper.token);
		expect((await http.get(`/gigs/${gig.id}/credentials`)).status).toBe(403);

		const granted = await admin(site.server.dataDir, 'grant', helper.user.email.toUpperCase());
		expect(granted, granted.out).toMatchObject({ code: 0 });
		expect(granted.out).toContain(`${helper.user.email} is an admin now`);
		// Their open session is an admin's at once: roles are read on every request.
		expect((await http.get(`/gigs/${gig.id}/credentials`)).status).toBe(200);
		expect((await admin(site.server.dataDir, 'list')).out).toContain(helper.user.email);

		const revoked = await admin(site.server.dataDir, 'revoke', helper.user.email);
		expect(revoked.out).toContain('no longer an admin (viewer)');
		expect((await http.get(`/gigs/${gig.id}/credentials`)).status).toBe(403);
		expect((await admin(site.server.dataDir, 'list')).out).not.toContain(helper.user.email);
	});

	it('refuses an unknown email and a wrong command, changing nothing', async () => {
		expect(await admin(site.server.dataDir, 'grant', 'nobody@example.org')).toMatchObject({ code: 1, out: expect.stringContaining('no account with the email nobody@example.org') });
		expect(await admin(site.server.dataDir, 'promote', 'x@example.org')).toMatchObject({ code: 2, out: expect.stringContaining('usage: npm run admin') });
		expect(await admin(site.server.dataDir)).toMatchObject({ code: 2 });
	});

	it('works with the server stopped, on its data directory (the command starts the embedded Redis for itself)', async () => {
		const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gigstage-admin-'));
		try {
			const answer = await admin(dataDir, 'list');
			expect(answer, answer.out).toMatchObject({ code: 0, out: expect.stringContaining('no admins') });
		} finally {
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});
