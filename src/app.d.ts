// See https://svelte.dev/docs/kit/types#app.d.ts
import type { User } from '$lib/server/accounts/accounts';

declare global {
	namespace App {
		interface Locals {
			user: User | null;
			sessionToken: string | null;
			/** Who sent the request (see TRUST_PROXY): the key of per-address limits. */
			clientAddress: string;
		}
		interface Error {
			code?: string;
		}
	}
}

export {};
