import { describe, expect, it } from 'vitest';
import { linkify } from '../../src/lib/live/linkify.js';
import { normaliseChatText } from '../../src/lib/live/messages.js';

describe('links in chat messages', () => {
	it('turns http and https addresses into links and leaves the rest as text', () => {
		expect(linkify('setlist: https://example.org/set?a=1&b=2 and http://x.example')).toEqual([
			{ text: 'setlist: ' },
			{ text: 'https://example.org/set?a=1&b=2', href: 'https://example.org/set?a=1&b=2' },
			{ text: ' and ' },
			{ text: 'http://x.example', href: 'http://x.example/' }
		]);
	});

	it('leaves sentence punctuation after a link out of it', () => {
		expect(linkify('see https://example.org/a.')).toEqual([{ text: 'see ' }, { text: 'https://example.org/a', href: 'https://example.org/a' }, { text: '.' }]);
		expect(linkify('(https://example.org/b)')).toEqual([{ text: '(' }, { text: 'https://example.org/b', href: 'https://example.org/b' }, { text: ')' }]);
	});

	it('never links other schemes, and keeps markup as text', () => {
		for (const text of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '<a href="https://evil.example">x</a>', 'ftp://files.example/x']) {
			expect(linkify(text).every((p) => !p.href || /^https?:\/\//.test(p.href))).toBe(true);
			expect(linkify(text).map((p) => p.text).join('')).toBe(text);
		}
		// Quotes and angle brackets end a link: no attribute can be smuggled in through one.
		expect(linkify('https://evil.example/"onmouseover="x')[0]).toEqual({ text: 'https://evil.example/', href: 'https://evil.example/' });
	});
});

describe('www. addresses', () => {
	it('become https links, only as a word of their own with a dot after the www part', () => {
		expect(linkify('see www.example.org/set.')).toEqual([{ text: 'see ' }, { text: 'www.example.org/set', href: 'https://www.example.org/set' }, { text: '.' }]);
		for (const text of ['awww.nice', 'x@www.example.org', 'www.', 'www.x', 'https://a.example/www.b.example']) {
			expect(linkify(text).filter((p) => p.href?.startsWith('https://www.')), text).toEqual([]);
		}
		expect(linkify('WWW.Example.org"onmouseover')[0]).toEqual({ text: 'WWW.Example.org', href: 'https://www.example.org/' });
	});
});

describe('chat text', () => {
	it('becomes one trimmed line without control or direction-override characters', () => {
		expect(normaliseChatText('  a\nb\r\nc\td \u202eevil\u2066 \u0000x  ')).toBe('a b c d evil x');
	});
});
