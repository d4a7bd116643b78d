// See https://svelte.dev/docs/kit/types#app.d.ts
import type { User } from '$lib/server/accounts/accounts';

declare global {
	namespace App {
		interface Locals {
			user: User | null;
			sessionToken: string | null;
		}
		interface Error {
			code?: string;
		}
	}
}

export {};
