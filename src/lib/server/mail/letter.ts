/**
 * A mail's content as structure, rendered once to plain text and once to HTML. Templates never
 * write markup: every string they pass (titles, names, anything a person typed) is escaped
 * here, so no template can forget to.
 */
export type Letter = {
	subject: string;
	/** The line mail programs show after the subject in the inbox. */
	preview: string;
	heading: string;
	/** Paragraphs before the button. */
	intro: string[];
	/** Label/value rows (when, price, ticket number). */
	details?: [string, string][];
	button?: { label: string; url: string };
	/** Paragraphs after the button. */
	outro?: string[];
	/** Small print: why this mail came, and how to stop it. */
	footer?: string[];
	unsubscribe?: { label: string; url: string };
};

export type RenderedLetter = { subject: string; text: string; html: string };

const COLORS = { page: '#f3f3f7', card: '#ffffff', text: '#1a1a22', muted: '#5f5f70', accent: '#e0245e', line: '#e4e4ec' };

export function escapeHtml(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Only http(s) addresses become links; anything else is shown as text and never as an href. */
function safeUrl(url: string): string | null {
	try {
		const parsed = new URL(url);
		return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
	} catch {
		return null;
	}
}

/** Subjects are one line: a title with a line break in it must not start a new header. */
function oneLine(value: string): string {
	return value.replace(/[\r\n\t]+/g, ' ').trim();
}

export function renderLetter(letter: Letter): RenderedLetter {
	return { subject: oneLine(letter.subject), text: renderText(letter), html: renderHtml(letter) };
}

function renderText(letter: Letter): string {
	const blocks: string[] = [letter.heading, ...letter.intro];
	if (letter.details?.length) {
		const width = Math.max(...letter.details.map(([label]) => label.length));
		blocks.push(letter.details.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${value}`).join('\n'));
	}
	if (letter.button) blocks.push(`${letter.button.label}:\n${letter.button.url}`);
	blocks.push(...(letter.outro ?? []));
	const small = [...(letter.footer ?? []), ...(letter.unsubscribe ? [`${letter.unsubscribe.label}: ${letter.unsubscribe.url}`] : [])];
	if (small.length) blocks.push(`--\n${small.join('\n')}`);
	return `${blocks.join('\n\n')}\n`;
}

function paragraph(text: string, style = ''): string {
	return `<p style="margin:0 0 16px;${style}">${escapeHtml(text).replace(/\n/g, '<br>')}</p>`;
}

function renderHtml(letter: Letter): string {
	const href = letter.button ? safeUrl(letter.button.url) : null;
	const button = letter.button
		? href
			? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 24px"><tr><td style="border-radius:999px;background:${COLORS.accent}"><a href="${escapeHtml(href)}" style="display:inline-block;padding:12px 24px;color:#ffffff;font-weight:700;text-decoration:none;border-radius:999px">${escapeHtml(letter.button.label)}</a></td></tr></table>
<p style="margin:0 0 16px;font-size:13px;color:${COLORS.muted}">Or paste this address into your browser:<br><span style="word-break:break-all">${escapeHtml(letter.button.url)}</span></p>`
			: paragraph(`${letter.button.label}: ${letter.button.url}`)
		: '';
	const details = letter.details?.length
		? `<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;margin:0 0 20px;border-top:1px solid ${COLORS.line}">${letter.details
				.map(
					([label, value]) =>
						`<tr><td style="padding:8px 12px 8px 0;border-bottom:1px solid ${COLORS.line};color:${COLORS.muted};white-space:nowrap;vertical-align:top">${escapeHtml(label)}</td><td style="padding:8px 0;border-bottom:1px solid ${COLORS.line};word-break:break-word">${escapeHtml(value)}</td></tr>`
				)
				.join('')}</table>`
		: '';
	const unsubscribeUrl = letter.unsubscribe ? safeUrl(letter.unsubscribe.url) : null;
	const small = [
		...(letter.footer ?? []).map((line) => escapeHtml(line)),
		...(letter.unsubscribe && unsubscribeUrl ? [`<a href="${escapeHtml(unsubscribeUrl)}" style="color:${COLORS.muted}">${escapeHtml(letter.unsubscribe.label)}</a>`] : [])
	];
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(oneLine(letter.subject))}</title>
</head>
<body style="margin:0;padding:0;background:${COLORS.page};color:${COLORS.text};font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5">
<div style="display:none;max-height:0;overflow:hidden">${escapeHtml(letter.preview)}</div>
<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;background:${COLORS.page}"><tr><td style="padding:24px 12px">
<table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;max-width:560px;margin:0 auto">
<tr><td style="padding:0 8px 16px;font-weight:800;font-size:20px;letter-spacing:-0.02em"><span style="color:${COLORS.accent}">&#9679;</span> Gigstage</td></tr>
<tr><td style="background:${COLORS.card};border-radius:12px;padding:28px 24px">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.25">${escapeHtml(letter.heading)}</h1>
${letter.intro.map((p) => paragraph(p)).join('\n')}
${details}
${button}
${(letter.outro ?? []).map((p) => paragraph(p)).join('\n')}
</td></tr>
${small.length ? `<tr><td style="padding:16px 8px;font-size:13px;color:${COLORS.muted}">${small.join('<br>')}</td></tr>` : ''}
</table>
</td></tr></table>
</body>
</html>
`;
}
