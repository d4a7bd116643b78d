import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { DomainError } from '../errors.js';
import { newId } from '../ids.js';
import { limitRate } from '../rate-limit.js';
import { addressBucket } from '../client-address.js';
import type { Actor } from '../access.js';
import type { Gigs } from './gigs.js';

export const MAX_COVER_BYTES = 5 * 1024 * 1024;
/** Cover uploads a person may make per hour (and a network, for people signing up many accounts). */
export const COVER_UPLOADS_PER_HOUR = { perPerson: 10, perAddress: 30 };

// Recognised by their first bytes, never by the name or the browser's claimed type.
const SIGNATURES: { type: string; ext: string; test: (b: Buffer) => boolean }[] = [
	{ type: 'image/png', ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
	{ type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
	{ type: 'image/webp', ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' }
];

const FILE_NAME = /^[a-z0-9]+-[a-z0-9]+\.(png|jpg|webp)$/;

/** Whether the disk has room (DiskSpace in production); `check` looks again after a write failed. */
export type DiskRoom = { readonly low: boolean; check(): Promise<boolean> };

const ROOMY: DiskRoom = { low: false, check: async () => false };

/**
 * Cover images of gigs, stored as files under DATA_DIR/covers: one file per gig (a new cover
 * deletes the one it replaces) and a limited number of uploads per person and per hour, so nobody
 * fills the disk by uploading again and again.
 */
export class Covers {
	private readonly dir: string;

	constructor(
		dataDir: string,
		private readonly redis: Redis,
		private readonly gigs: Gigs,
		private readonly disk: DiskRoom = ROOMY
	) {
		this.dir = path.resolve(dataDir, 'covers');
	}

	/** Checks who may, size, type and the hourly limits, stores the image as the gig's cover, and deletes the one it replaced. */
	async upload(gigId: string, user: Actor & { id: string }, file: File, clientAddress: string): Promise<string> {
		await this.gigs.manageable(gigId, user); // nothing is written for a gig this person does not manage
		if (file.size === 0) throw new DomainError('INVALID_INPUT', 'The cover image is empty.', { cover: 'Choose an image file' });
		if (file.size > MAX_COVER_BYTES) throw new DomainError('INVALID_INPUT', 'The cover image is too large.', { cover: 'Use an image of at most 5 MB' });
		const bytes = Buffer.from(await file.arrayBuffer());
		const kind = SIGNATURES.find((s) => s.test(bytes));
		if (!kind) throw new DomainError('INVALID_INPUT', 'The cover must be a PNG, JPEG or WebP image.', { cover: 'Use a PNG, JPEG or WebP image' });
		if (this.disk.low) throw diskFull(); // before the limits: a refused upload does not count
		await limitRate(this.redis, `cover:${user.id}`, COVER_UPLOADS_PER_HOUR.perPerson, 3600);
		await limitRate(this.redis, `cover-address:${addressBucket(clientAddress)}`, COVER_UPLOADS_PER_HOUR.perAddress, 3600);
		const name = `${gigId}-${newId(8)}.${kind.ext}`;
		await mkdir(this.dir, { recursive: true });
		await this.write(path.join(this.dir, name), bytes);
		let replaced: string | null;
		try {
			replaced = await this.gigs.setCover(gigId, user, name);
		} catch (error) {
			await this.remove(name);
			throw error;
		}
		if (replaced && replaced !== name) await this.remove(replaced);
		return name;
	}

	async read(name: string): Promise<{ bytes: Buffer; type: string } | null> {
		if (!FILE_NAME.test(name)) return null;
		try {
			const bytes = await readFile(path.join(this.dir, name));
			return { bytes, type: SIGNATURES.find((s) => s.test(bytes))!.type };
		} catch {
			return null;
		}
	}

	/** Whole or not at all: written beside its name (never served), synced, then renamed into place. */
	private async write(file: string, bytes: Buffer): Promise<void> {
		const partial = `${file}.part`;
		try {
			const handle = await open(partial, 'wx');
			try {
				await handle.writeFile(bytes);
				await handle.sync();
			} finally {
				await handle.close();
			}
			await rename(partial, file);
		} catch (error) {
			await rm(partial, { force: true });
			const code = (error as { code?: unknown }).code;
			if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
			await this.disk.check();
			throw diskFull();
		}
	}

	private async remove(name: string): Promise<void> {
		if (FILE_NAME.test(name)) await rm(path.join(this.dir, name), { force: true });
	}
}

function diskFull(): DomainError {
	return new DomainError('STORAGE_FULL', 'The server’s disk is full, so the cover image could not be saved. Try again later.', {
		cover: 'Not saved: the server’s disk is full'
	});
}
