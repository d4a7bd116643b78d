/**
 * A payout wallet as an Open Payments / Web Monetization address. Accepts the URL form
 * (`https://wallet.example/alice`) and the older payment-pointer form (`$wallet.example/alice`,
 * which means the same https URL); returns the https URL, or null if it is neither.
 */
export function normaliseWallet(input: string): string | null {
	const text = input.trim();
	const candidate = text.startsWith('$') ? `https://${text.slice(1)}` : text;
	let url: URL;
	try {
		url = new URL(candidate);
	} catch {
		return null;
	}
	if (url.protocol !== 'https:' || !url.hostname.includes('.') || url.username || url.password || url.search || url.hash) return null;
	// A bare pointer `$wallet.example` resolves to /.well-known/pay by the spec.
	if (text.startsWith('$') && url.pathname === '/') url.pathname = '/.well-known/pay';
	return url.href.replace(/\/$/, '');
}
