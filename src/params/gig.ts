import type { ParamMatcher } from '@sveltejs/kit';
import { gigIdSchema } from '$lib/signaling/messages';

export const match: ParamMatcher = (param) => gigIdSchema.safeParse(param).success;
