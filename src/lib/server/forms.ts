import { fail, type ActionFailure } from '@sveltejs/kit';
import { DomainError } from './errors.js';
import { storeRefusal } from './store-errors.js';

export type FormFailure = { error: { code: string; message: string }; fields: Record<string, string>; values: Record<string, string> };

/**
 * Turns a DomainError into the form's failure: the message, per-field messages and what the
 * person typed (never passwords), so nothing they entered is lost. The store being unreachable
 * or full is answered the same way (503, 507): the form stays filled in for another try. Other
 * errors propagate.
 */
export function formFailure(thrown: unknown, form?: FormData): ActionFailure<FormFailure> {
	const error = thrown instanceof DomainError ? thrown : storeRefusal(thrown);
	if (!error) throw thrown;
	const values: Record<string, string> = {};
	for (const [name, value] of form?.entries() ?? []) {
		if (typeof value === 'string' && !/password|card|cvc/i.test(name)) values[name] = value;
	}
	return fail(error.status, { error: { code: error.code, message: error.message }, fields: error.fields, values });
}
