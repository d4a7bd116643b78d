import { z } from 'zod';
import { hidesSomething, plainLine } from '../../text/plain-line.js';

export const DISPLAY_NAME = { min: 2, max: 40 } as const;

/**
 * The name a person shows everywhere (chat, the stage queue and tiles, the ban list, their gigs).
 * The chat text rule (one line, nothing hidden, trimmed), bounded, with runs of spaces made one.
 * A name that hides something is refused rather than quietly changed: its owner should see what
 * others will see.
 */
export const displayNameSchema = z
	.string({ error: 'Choose a display name' })
	.max(DISPLAY_NAME.max * 4, `Use at most ${DISPLAY_NAME.max} characters`)
	.refine((name) => !hidesSomething(name), 'Use one line of visible characters: no line breaks, control or text-direction characters')
	.transform((name) => plainLine(name).replace(/\s+/g, ' '))
	.pipe(
		z
			.string()
			.min(DISPLAY_NAME.min, `Use at least ${DISPLAY_NAME.min} characters`)
			.max(DISPLAY_NAME.max, `Use at most ${DISPLAY_NAME.max} characters`)
			.regex(/[\p{L}\p{N}\p{S}]/u, 'Use at least one letter or number')
	);

/** A stored name shown again: names saved before these rules are cleaned the same way on the way out. */
export function shownName(stored: string): string {
	return plainLine(stored).replace(/\s+/g, ' ').slice(0, DISPLAY_NAME.max);
}
