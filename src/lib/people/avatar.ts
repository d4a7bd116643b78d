/**
 * A person's avatar: the first letter of their display name on a colour they choose. The
 * palette is fixed (each colour a class in Avatar.svelte), so no style is ever taken from input.
 */
export const AVATAR_COLOURS = ['rose', 'amber', 'lime', 'teal', 'sky', 'indigo', 'violet', 'slate'] as const;
export type AvatarColour = (typeof AVATAR_COLOURS)[number];

export function isAvatarColour(value: unknown): value is AvatarColour {
	return typeof value === 'string' && (AVATAR_COLOURS as readonly string[]).includes(value);
}

/** Until a person picks one, their colour follows from their id: stable, and varied in a crowd. */
export function defaultAvatarColour(id: string): AvatarColour {
	let hash = 0;
	for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return AVATAR_COLOURS[hash % AVATAR_COLOURS.length]!;
}

/** The first letter (a whole grapheme: an emoji or an accented letter stays whole), upper-cased. */
export function initialOf(name: string): string {
	const first = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name.trim())[Symbol.iterator]().next().value?.segment ?? '?';
	return first.toLocaleUpperCase();
}
