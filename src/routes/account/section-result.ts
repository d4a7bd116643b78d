/** What an account section's form came back with: a confirmation, or a refusal with field messages. */
export type SectionResult = {
	section?: string;
	saved?: string;
	error?: { code: string; message: string };
	fields?: Record<string, string>;
	values?: Record<string, string>;
} | null;

/** The result if it belongs to this section. */
export function resultFor(form: SectionResult | undefined, section: string): SectionResult {
	return form?.section === section ? form : null;
}
