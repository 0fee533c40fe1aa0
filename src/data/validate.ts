// Input rules for writes, checked before anything touches the database so a rejected write names the
// field and the rule. The database's constraints stay the last line of defence.
import { ValidationError } from './errors.js';
import type { DatePrecision } from './incidents.js';
import { cleanReportUrl, normalizeReportUrl } from './urls.js';

/** Trims `value` and checks its length; empty is allowed only when `min` is 0. */
export function text(field: string, value: string, limits: { min?: number; max: number }): string {
  const trimmed = value.trim();
  const min = limits.min ?? 1;
  if (trimmed.length < min) {
    throw new ValidationError(field, 'required', min === 1 ? `${field} must not be empty` : `${field} needs at least ${min} characters`);
  }
  if (trimmed.length > limits.max) {
    throw new ValidationError(field, 'max-length', `${field} must be at most ${limits.max} characters, got ${trimmed.length}`);
  }
  return trimmed;
}

/** Like `text`, but absent or blank becomes null. */
export function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  if (value == null || value.trim() === '') return null;
  return text(field, value, { max });
}

/** The longest slug the database accepts (the `slug` domain). */
export const MAX_SLUG_LENGTH = 120;

/** A slug: lower-case words joined by hyphens. */
export function slug(field: string, value: string): string {
  const trimmed = value.trim();
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(trimmed) || trimmed.length > MAX_SLUG_LENGTH) {
    throw new ValidationError(field, 'slug', `${field} must be lower-case letters, digits and single hyphens (at most 120), got "${value.slice(0, 60)}"`);
  }
  return trimmed;
}

/** Derives a slug from a name: "Claude Opus 4.6" -> "claude-opus-4-6". */
export function slugify(name: string): string {
  const derived = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/g, '');
  return derived || 'untitled';
}

/** An http(s) URL and its normalised form (the report's identity). */
export function httpUrl(field: string, value: string): { url: string; key: string } {
  const trimmed = value.trim();
  let key: string;
  try {
    key = normalizeReportUrl(trimmed);
  } catch {
    throw new ValidationError(field, 'http-url', `${field} must be an absolute http:// or https:// URL`);
  }
  if (trimmed.length > 2000) throw new ValidationError(field, 'max-length', `${field} must be at most 2000 characters`);
  // Stored without its tracking parameters, as the key is computed without them.
  return { url: cleanReportUrl(trimmed), key };
}

/** Today's date in UTC, "YYYY-MM-DD". */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A two-letter ISO 3166-1 code, upper-cased. */
export function country(field: string, value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new ValidationError(field, 'iso-3166-1', `${field} must be a two-letter country code such as "MX", got "${value.slice(0, 40)}"`);
  return code;
}

/** A list of tags (sectors, data categories): trimmed, lower-cased, de-duplicated. */
export function tags(field: string, values: readonly string[], max = 30): string[] {
  const cleaned = [...new Set(values.map((value) => text(`${field}[]`, value, { max: 80 }).toLowerCase()))];
  if (cleaned.length > max) throw new ValidationError(field, 'max-items', `${field} may hold at most ${max} entries`);
  return cleaned;
}

/**
 * A date given to a precision, stored canonically: the first day of its period, so a month is never
 * invented to the day. A future date is refused (Faultline records what has happened) unless `future`
 * allows it, as for a deadline.
 */
export function partialDate(
  field: string,
  date: string | null | undefined,
  precision: DatePrecision,
  options: { future?: boolean } = {},
): { date: string | null; precision: DatePrecision } {
  if (precision === 'unknown') {
    if (date) throw new ValidationError(field, 'precision', `${field}: a date was given with precision UNKNOWN; drop the date or give its precision`);
    return { date: null, precision };
  }
  if (!date) throw new ValidationError(field, 'required', `${field}: precision ${precision.toUpperCase()} needs a date`);
  const canonical = precision === 'year' ? `${date.slice(0, 4)}-01-01` : precision === 'month' ? `${date.slice(0, 7)}-01` : date;
  if (!options.future && canonical > today()) throw new ValidationError(field, 'not-in-future', `${field} must not be in the future, got ${date}`);
  return { date: canonical, precision };
}
