import { SignalingFailure } from '../media/signaling-client.js';
import { LiveClient } from './live-client.js';
import { REACTION_KINDS, type ChatMessage, type ChatSelf, type ReactionKind, type ReactionTotals, type StageSnapshot, type StageState, type ViewerCount, type BannedPerson } from './messages.js';

/** Where the page's seat in the chat stands. */
export type ChatPhase = 'connecting' | 'open' | 'reconnecting' | 'refused' | 'banned';

/** How a request went, for the page to say: the server's own sentence when it refused. */
export type Outcome = { ok: true } | { ok: false; code: string; message: string };

// Failures that pass: joining is tried again after a pause.
const RETRIED = new Set(['TIMEOUT', 'DISCONNECTED', 'INTERNAL', 'UNAVAILABLE']);

// A chat that runs for hours keeps the newest messages in the page; older ones load again on scroll.
const KEEP_MESSAGES = 1000;

/**
 * A page's live view of one gig (watch page, studio): its chat, reactions and viewer count,
 * joined again by itself after every reconnect. State is reactive ($state) for the components.
 */
export class LiveGig {
	phase = $state<ChatPhase>('connecting');
	/** Why the chat refused this person (no ticket, logged out…), in the server's words. */
	refusal = $state('');
	messages = $state<ChatMessage[]>([]);
	hasOlder = $state(false);
	loadingOlder = $state(false);
	you = $state<ChatSelf | null>(null);
	timedOutUntil = $state<number | null>(null);
	viewers = $state<number | null>(null);
	/** Studio tabs the creator has open: the show is about to start when there is one. */
	studios = $state(0);
	totals = $state<ReactionTotals>({ heart: 0, applause: 0 });
	stage = $state<StageSnapshot>({ hands: [], invited: [], guests: [] });
	/** Who is banned from the gig; loaded for moderators only. */
	banned = $state<BannedPerson[]>([]);
	/** Where you stand with the stage: in the audience, hand up, invited, or on it. */
	stageState = $derived<StageState>(stateOf(this.stage, this.you?.id));

	private readonly client = new LiveClient();
	private readonly reactionListeners = new Set<(kind: ReactionKind, count: number) => void>();
	private viewersVersion = 0;
	private studiosVersion = 0;
	private closed = false;

	/** `backstage`: this page is the creator's studio. */
	constructor(
		readonly gigId: string,
		private readonly options: { backstage?: boolean } = {}
	) {
		const { socket } = this.client;
		socket.on('connect', () => void this.join());
		socket.on('disconnect', (reason) => {
			if (this.closed || this.phase === 'banned' || this.phase === 'refused') return;
			// Closed by the server (a log-out in another tab, a cancelled gig): it will not come back by itself.
			if (reason === 'io server disconnect') {
				this.phase = 'refused';
				this.refusal = 'The chat was closed: your session may have ended, or the gig was cancelled. Reload the page to go on.';
			} else {
				this.phase = 'reconnecting';
			}
		});
		socket.on('chat:message', (message) => this.merge([message]));
		socket.on('chat:deleted', ({ messageId }) => (this.messages = this.messages.filter((m) => m.id !== messageId)));
		socket.on('viewers', (count) => this.countViewers(count));
		socket.on('backstage', (count) => this.countStudios(count));
		socket.on('reaction', ({ kind, count, totals }) => {
			this.addTotals(totals);
			for (const listener of this.reactionListeners) listener(kind, count);
		});
		socket.on('stage', (stage) => (this.stage = stage));
		// The server lost its database for a while: chat pauses, and joining again reloads it.
		socket.on('store', ({ available }) => {
			if (this.closed || this.phase === 'banned' || this.phase === 'refused') return;
			if (available) void this.join();
			else this.phase = 'reconnecting';
		});
		socket.on('moderated', (event) => {
			if (event.action === 'ban') this.phase = 'banned';
			else this.timedOutUntil = event.until;
		});
	}

	async send(text: string): Promise<Outcome> {
		return this.attempt(async () => this.merge([(await this.client.request('chat:send', { text })).message]));
	}

	async loadOlder(): Promise<void> {
		const oldest = this.messages[0];
		if (!oldest || this.loadingOlder || !this.hasOlder) return;
		this.loadingOlder = true;
		try {
			const page = await this.client.request('chat:older', { before: oldest.id });
			this.messages = [...page.messages.filter((m) => compareIds(m.id, oldest.id) < 0), ...this.messages];
			this.hasOlder = page.hasOlder;
		} catch {
			// Scrolling up again tries again.
		} finally {
			this.loadingOlder = false;
		}
	}

	react(kind: ReactionKind): Promise<Outcome> {
		return this.attempt(async () => this.addTotals((await this.client.request('react', { kind })).totals));
	}

	remove(messageId: string): Promise<Outcome> {
		return this.attempt(() => this.client.request('chat:delete', { messageId }));
	}

	timeOut(userId: string, minutes: number): Promise<Outcome> {
		return this.attempt(() => this.client.request('mod:timeout', { userId, minutes }));
	}

	async ban(userId: string): Promise<Outcome> {
		const outcome = await this.attempt(() => this.client.request('mod:ban', { userId }));
		if (outcome.ok) await this.loadBanned();
		return outcome;
	}

	unban(userId: string): Promise<Outcome> {
		return this.attempt(async () => (this.banned = (await this.client.request('mod:unban', { userId })).banned));
	}

	raiseHand(): Promise<Outcome> {
		return this.moveOnStage(() => this.client.request('stage:raise', {}));
	}

	/** Lowers your hand, declines an invitation, or leaves the stage. */
	leaveStage(): Promise<Outcome> {
		return this.moveOnStage(() => this.client.request('stage:leave', {}));
	}

	acceptInvitation(): Promise<Outcome> {
		return this.moveOnStage(() => this.client.request('stage:accept', {}));
	}

	invite(userId: string): Promise<Outcome> {
		return this.moveOnStage(() => this.client.request('stage:invite', { userId }));
	}

	/** The host sends someone back to the audience. */
	sendBack(userId: string): Promise<Outcome> {
		return this.moveOnStage(() => this.client.request('stage:remove', { userId }));
	}

	/** Calls `listener` for every burst of reactions anyone sends; returns how to stop. */
	onReaction(listener: (kind: ReactionKind, count: number) => void): () => void {
		this.reactionListeners.add(listener);
		return () => this.reactionListeners.delete(listener);
	}

	close(): void {
		this.closed = true;
		this.client.close();
	}

	private async join(): Promise<void> {
		try {
			const joined = await this.client.request('live:join', { gigId: this.gigId, ...(this.options.backstage ? { backstage: true } : {}) });
			// After a reconnect the history is the truth: messages deleted meanwhile are gone from it.
			this.messages = [];
			this.merge(joined.history);
			this.hasOlder = joined.hasOlder;
			this.you = joined.you;
			this.timedOutUntil = joined.you.timedOutUntil;
			this.addTotals(joined.reactions);
			this.countViewers(joined.viewers);
			this.countStudios(joined.backstage);
			this.stage = joined.stage;
			this.phase = 'open';
			if (joined.you.canModerate) await this.loadBanned();
		} catch (error) {
			if (this.closed) return;
			if (error instanceof SignalingFailure && error.code === 'BANNED') {
				this.phase = 'banned';
			} else if (error instanceof SignalingFailure && !RETRIED.has(error.code)) {
				this.phase = 'refused';
				this.refusal = error.message;
			} else {
				this.phase = 'reconnecting';
				setTimeout(() => this.client.socket.connected && !this.closed && void this.join(), 2000);
			}
		}
	}

	private async loadBanned(): Promise<void> {
		await this.attempt(async () => (this.banned = (await this.client.request('mod:banned', {})).banned));
	}

	private moveOnStage(request: () => Promise<{ stage: StageSnapshot }>): Promise<Outcome> {
		return this.attempt(async () => (this.stage = (await request()).stage));
	}

	private async attempt(request: () => Promise<unknown>): Promise<Outcome> {
		try {
			await request();
			return { ok: true };
		} catch (error) {
			if (error instanceof SignalingFailure) {
				if (error.code === 'BANNED') this.phase = 'banned';
				return { ok: false, code: error.code, message: error.message };
			}
			return { ok: false, code: 'INTERNAL', message: 'Something went wrong. Please try once more.' };
		}
	}

	/** Adds messages in order, each once (an event and an answer may bring the same one). */
	private merge(incoming: ChatMessage[]): void {
		const known = new Set(this.messages.map((m) => m.id));
		const fresh = incoming.filter((m) => !known.has(m.id));
		if (!fresh.length) return;
		let next = [...this.messages, ...fresh];
		const last = this.messages.at(-1);
		if (last && fresh.some((m) => compareIds(m.id, last.id) < 0)) next.sort((a, b) => compareIds(a.id, b.id));
		if (next.length > KEEP_MESSAGES) {
			next = next.slice(-KEEP_MESSAGES);
			this.hasOlder = true;
		}
		this.messages = next;
	}

	private countViewers(count: ViewerCount): void {
		if (count.version < this.viewersVersion) return;
		this.viewersVersion = count.version;
		this.viewers = count.count;
	}

	private countStudios(count: ViewerCount): void {
		if (count.version < this.studiosVersion) return;
		this.studiosVersion = count.version;
		this.studios = count.count;
	}

	/** Totals only grow; answers and events from different nodes may arrive out of order. */
	private addTotals(totals: ReactionTotals): void {
		const next = { ...this.totals };
		for (const kind of REACTION_KINDS) next[kind] = Math.max(next[kind], totals[kind]);
		this.totals = next;
	}
}

function stateOf(stage: StageSnapshot, userId: string | undefined): StageState {
	if (!userId) return 'audience';
	if (stage.guests.some((p) => p.id === userId)) return 'guest';
	if (stage.invited.some((p) => p.id === userId)) return 'invited';
	if (stage.hands.some((p) => p.id === userId)) return 'hand';
	return 'audience';
}

/** Stream ids (`<ms>-<seq>`) in time order. */
export function compareIds(a: string, b: string): number {
	const [am = 0, as = 0] = a.split('-').map(Number);
	const [bm = 0, bs = 0] = b.split('-').map(Number);
	return am - bm || as - bs;
}
