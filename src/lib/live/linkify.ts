/** A piece of a chat line: plain text, or a web link to show as one. */
export type TextPart = { text: string; href?: string };

// A web address with its scheme, or one starting "www." (not in the middle of a word or another address).
const CANDIDATE = /https?:\/\/[^\s<>"'`]+|(?<![\p{L}\p{N}_.@/:-])www\.[^\s<>"'`]+/giu;
// Sentence punctuation right after a link belongs to the sentence: "see https://a.example/x."
const TRAILING = /[.,!?;:)\]}'"]+$/;

/**
 * Splits text (a chat line, a gig's description) into text and links. Only http(s) addresses, and
 * "www." ones as https, become links, and only what the URL parser accepts; everything is still
 * rendered as text (never as HTML) by the page.
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
		const url = new URL(/^www\./i.test(raw) ? `https://${raw}` : raw);
		// "www." alone, or "www.x" without a dot after it, is not an address.
		if (/^www\./i.test(raw) && !/^www\.[^.]+\.[^.]/i.test(url.hostname)) return null;
		return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
	} catch {
		return null;
	}
}
