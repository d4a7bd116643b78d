import type { Redis } from 'ioredis';

// Ids only, kept after erasure: what other people's pages need to leave the person out.
const DELETED = 'gs:accounts-deleted';

/** The name shown where a deleted person used to be (their chat messages until erased). */
export const DELETED_NAME = 'Deleted account';

/** Which of these accounts were deleted. */
export async function deletedAmong(redis: Redis, userIds: string[]): Promise<Set<string>> {
	const unique = [...new Set(userIds.filter(Boolean))];
	if (unique.length === 0) return new Set();
	const flags = await redis.smismember(DELETED, ...unique);
	return new Set(unique.filter((_, i) => flags[i] === 1));
}

export const deletedAccountsKey = DELETED;
