import type { Redis } from 'ioredis';
import type { ChatMessage, ChatRole } from '../../live/messages.js';
import { DELETED_NAME, deletedAmong } from '../accounts/deleted-accounts.js';
import { defaultAvatarColour, isAvatarColour, type AvatarColour } from '../../people/avatar.js';

const key = {
	// One Redis Stream per gig: entry ids are time-ordered, so they page history and date messages.
	chat: (gigId: string) => `gs:gig-chat:${gigId}`
};

/** Who wrote a message; without a colour, the one that follows from their id. */
export type ChatAuthor = { userId: string; name: string; colour?: AvatarColour; role: ChatRole };
export type ChatPage = { messages: ChatMessage[]; hasOlder: boolean };

/** Each gig's chat history: appended, read newest-first a page at a time, trimmed to a length. */
export class ChatMessages {
	constructor(
		private readonly redis: Redis,
		/** How many messages a gig keeps; older ones are trimmed as new ones arrive. */
		private readonly historyLength: number
	) {}

	async append(gigId: string, { userId, name, colour = defaultAvatarColour(userId), role }: ChatAuthor, text: string): Promise<ChatMessage> {
		const id = await this.redis.xadd(key.chat(gigId), 'MAXLEN', String(this.historyLength), '*', 'userId', userId, 'name', name, 'colour', colour, 'role', role, 'text', text);
		return { id: id!, userId, name, colour, role, text, at: sentAt(id!) };
	}

	/** The newest `limit` messages, oldest first. */
	recent(gigId: string, limit: number): Promise<ChatPage> {
		return this.page(gigId, '+', limit);
	}

	/** The `limit` messages just before `before`, oldest first. */
	async older(gigId: string, before: string, limit: number): Promise<ChatPage> {
		// Nothing comes before the smallest id, and Redis refuses an exclusive range ending there.
		if (/^0+-0+$/.test(before)) return { messages: [], hasOlder: false };
		return this.page(gigId, `(${before}`, limit);
	}

	/** Removes a message; false when the gig has no such message (already deleted, or trimmed). */
	async remove(gigId: string, messageId: string): Promise<boolean> {
		return (await this.redis.xdel(key.chat(gigId), messageId)) > 0;
	}

	private async page(gigId: string, end: string, limit: number): Promise<ChatPage> {
		// One more than asked tells whether anything older is left.
		const entries = await this.redis.xrevrange(key.chat(gigId), end, '-', 'COUNT', limit + 1);
		const hasOlder = entries.length > limit;
		const messages = entries.slice(0, limit).map(([id, fields]) => toMessage(id, fields));
		// A deleted account's name leaves the history at once; its messages go when it is erased.
		const deleted = await deletedAmong(this.redis, messages.map((m) => m.userId));
		for (const message of messages) if (deleted.has(message.userId)) message.name = DELETED_NAME;
		return { messages: messages.reverse(), hasOlder };
	}

	/** Removes every message a person wrote in a gig's chat (their account is being erased). */
	async removeAuthor(gigId: string, userId: string): Promise<number> {
		const entries = await this.redis.xrange(key.chat(gigId), '-', '+');
		const theirs = entries.filter(([, fields]) => toMessage('0-0', fields).userId === userId).map(([id]) => id);
		return theirs.length ? this.redis.xdel(key.chat(gigId), ...theirs) : 0;
	}
}

function toMessage(id: string, fields: string[]): ChatMessage {
	const f: Record<string, string> = {};
	for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
	const userId = f.userId ?? '';
	const colour = isAvatarColour(f.colour) ? f.colour : defaultAvatarColour(userId);
	return { id, userId, name: f.name ?? '', colour, role: (f.role as ChatRole | undefined) ?? 'viewer', text: f.text ?? '', at: sentAt(id) };
}

/** A stream entry id starts with the milliseconds Redis stored it at. */
function sentAt(id: string): number {
	return Number(id.split('-')[0]);
}
