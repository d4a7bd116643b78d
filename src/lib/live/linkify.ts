/** A piece of a chat line: plain text, or a web link to show as one. */
export type TextPart = { text: string; href?: string };

const CANDIDATE = /https?:\/\/[^\s<>"'`]+/gi;
// Sentence punctuation right after a link belongs to the sentence: "see https://a.example/x."
const TRAILING = /[.,!?;:)\]}'"]+$/;

/**
 * Splits a chat line into text and links. Only http(s) addresses become links, and only what the
 * URL parser accepts; everything is still rendered as text (never as HTML) by the page.
 */
export function linkify(text: string): TextPart[] {
	const parts: TextPart[] = [];
	let last = 0;
	for (const match of text.matchAll(CANDIDATE)) {
		const raw = match[0].replace(TRAILING, '');
		const href = webAddress(raw);
		if (!href) continue;
		const start = match.index;
		if (start > last) parts.push({ text: text.slice(last, start) });
		parts.push({ text: raw, href });
		last = start + raw.length;
	}
	if (last < text.length) parts.push({ text: text.slice(last) });
	return parts;
}

function webAddress(raw: string): string | null {
	try {
		const url = new URL(raw);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
	} catch {
		return null;
	}
}
