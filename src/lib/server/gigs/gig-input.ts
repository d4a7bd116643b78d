import { z } from 'zod';
import { isTimeZone, zonedTimeToUtc } from './zoned-time.js';

export const CATEGORIES = ['dance', 'fitness', 'comedy', 'theatre', 'workshop', 'concert', 'talk', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY'] as const;
export type Currency = (typeof CURRENCIES)[number];
/** Currencies whose smallest unit is the whole unit. */
const ZERO_DECIMAL = new Set<string>(['JPY']);

const checkbox = z
	.union([z.literal('on'), z.literal('true'), z.literal('false'), z.literal(''), z.boolean()])
	.optional()
	.transform((v) => v === true || v === 'on' || v === 'true');

const optionalInt = (name: string, min: number, max: number) =>
	z
		.union([z.literal(''), z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`)])
		.optional()
		.transform((v) => (v === '' || v === undefined ? null : v));

/** A gig as a creator enters it in the form; times are wall-clock in the given zone. */
export const gigInputSchema = z
	.object({
		title: z.string().trim().min(3, 'Use at least 3 characters').max(120, 'Use at most 120 characters'),
		description: z.string().trim().max(5000, 'Use at most 5000 characters').default(''),
		category: z.enum(CATEGORIES, { error: 'Pick a category' }),
		startsAtLocal: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Pick a date and time'),
		timeZone: z.string().refine(isTimeZone, 'Pick a valid time zone'),
		durationMinutes: z.coerce.number({ error: 'Duration must be a number' }).int('Use whole minutes').min(5, 'At least 5 minutes').max(600, 'At most 10 hours'),
		price: z
			.string()
			.trim()
			.regex(/^\d{1,5}([.,]\d{1,2})?$/, 'Enter a price like 12 or 12.50 (0 for free)')
			.default('0'),
		currency: z.enum(CURRENCIES, { error: 'Pick a currency' }).default('EUR'),
		capacity: optionalInt('Capacity', 1, 100_000),
		audioOnly: checkbox
	})
	.transform((input, ctx) => {
		const startsAt = zonedTimeToUtc(input.startsAtLocal, input.timeZone);
		if (startsAt === null) {
			ctx.addIssue({ code: 'custom', path: ['startsAtLocal'], message: 'Pick a valid date and time' });
			return z.NEVER;
		}
		const [units = '0', fraction = ''] = input.price.replace(',', '.').split('.');
		const decimals = ZERO_DECIMAL.has(input.currency) ? 0 : 2;
		if (decimals === 0 && fraction) {
			ctx.addIssue({ code: 'custom', path: ['price'], message: `${input.currency} prices have no decimals` });
			return z.NEVER;
		}
		const priceMinor = Number(units) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || 0);
		const { startsAtLocal: _local, price: _price, ...rest } = input;
		return { ...rest, startsAt, priceMinor };
	});

export type GigInput = z.output<typeof gigInputSchema>;

/**
 * How far in the past a new start may be: the form picks whole minutes, and filling it in takes a
 * moment, so "now" is still now when it arrives.
 */
export const START_GRACE_MS = 5 * 60_000;

const when = z.object({ startsAtLocal: gigInputSchema.def.in.shape.startsAtLocal, timeZone: gigInputSchema.def.in.shape.timeZone });

/**
 * The start time, if the input names a valid one: checked on its own, so a start in the past is
 * reported together with whatever else is wrong in the form.
 */
export function startOf(input: unknown): number | null {
	const parsed = when.safeParse(input);
	return parsed.success ? zonedTimeToUtc(parsed.data.startsAtLocal, parsed.data.timeZone) : null;
}

/** "€12.50", "Free". */
export function formatPrice(priceMinor: number, currency: string, locale = 'en'): string {
	if (priceMinor === 0) return 'Free';
	const decimals = ZERO_DECIMAL.has(currency) ? 0 : 2;
	return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(priceMinor / 10 ** decimals);
}
