/**
 * The one rule for text people type that others see on one line: chat messages and display
 * names. Anything that could make a line pretend to be something else goes: control characters,
 * bidirectional overrides, isolates and marks (which reorder what follows), invisible format
 * characters, and line breaks (which would fake a second line, or a second speaker).
 */

// Line and paragraph breaks of every kind become a space.
const LINE_BREAKS = /[\n\r\t\v\f\u0085\u2028\u2029]+/g;
// Controls (C0, DEL, C1), lone surrogates, and format characters (bidi controls such as U+202E,
// zero-width spaces, soft hyphens, tag characters), except the zero-width joiners that emoji
// sequences and some scripts are made of.
const HIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}]/gu;

/** One trimmed line, in Unicode NFC, with nothing hidden in it. */
export function plainLine(text: string): string {
	return text.normalize('NFC').replace(LINE_BREAKS, ' ').replace(HIDDEN, '').trim();
}

/** Whether `plainLine` would take anything but surrounding spaces out of this text. */
export function hidesSomething(text: string): boolean {
	return new RegExp(HIDDEN.source, 'u').test(text) || /[\n\r\v\f\u0085\u2028\u2029]/.test(text);
}
