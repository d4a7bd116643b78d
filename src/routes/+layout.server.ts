import type { LayoutServerLoad } from './$types';
import { services } from '$lib/server/services';
import { normaliseWallet } from '$lib/server/accounts/wallet';
import { avatarColourOf, publicName } from '$lib/server/accounts/accounts';

export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.user;
	const { platformWallet: wallet, devPayments } = services().settings;
	return {
		// Only what the pages show: never the password hash or anything else stored with the account.
		user: user ? { id: user.id, email: user.email, role: user.role, displayName: user.displayName, name: publicName(user), colour: avatarColourOf(user), emailConfirmed: user.emailConfirmed } : null,
		// The Web Monetization link wants the https form of a wallet address ("$wallet.example/x" too).
		platformWallet: wallet ? normaliseWallet(wallet) : null,
		// Said on every page while on: anyone can pay the test checkout with the public test card.
		testPayments: devPayments
	};
};
