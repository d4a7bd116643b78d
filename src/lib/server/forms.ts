import { fail, type ActionFailure } from '@sveltejs/kit';
import { DomainError } from './errors.js';

export type FormFailure = { error: { code: string; message: string }; fields: Record<string, string>; values: Record<string, string> };

/**
 * Turns a DomainError into the form's failure: the message, per-field messages and what the
 * person typed (never passwords), so nothing they entered is lost. Other errors propagate.
 */
export function formFailure(error: unknown, form?: FormData): ActionFailure<FormFailure> {
	if (!(error instanceof DomainError)) throw error;
	const values: Record<string, string> = {};
	for (const [name, value] of form?.entries() ?? []) {
		if (typeof value === 'string' && !/password|card|cvc/i.test(name)) values[name] = value;
	}
	return fail(error.status, { error: { code: error.code, message: error.message }, fields: error.fields, values });
}
