/** Copies text; plain-HTTP pages have no Clipboard API, so it falls back to a hidden text area. Throws when both are refused. */
export async function copyText(text: string): Promise<void> {
	try {
		if (navigator.clipboard?.writeText) return await navigator.clipboard.writeText(text);
	} catch {
		// refused (no permission, no focus): try the old way
	}
	const area = document.createElement('textarea');
	area.value = text;
	area.setAttribute('readonly', '');
	area.style.position = 'fixed';
	area.style.opacity = '0';
	document.body.append(area);
	area.select();
	const ok = document.execCommand('copy');
	area.remove();
	if (!ok) throw new Error('copy refused');
}
