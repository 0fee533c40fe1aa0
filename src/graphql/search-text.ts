import { MAX_SEARCH_LENGTH } from '../data/text-search.js';
import { badInput } from './errors.js';

/**
 * Checks a search text argument: blank means "no search" where search is optional (a filter) and is an
 * error where it is the point of the field; overlong text is refused rather than cut mid-word.
 */
export function parseSearchText(value: string | null | undefined, argument: string, required = false): string | undefined {
  const text = value?.trim();
  if (!text) {
    if (required) throw badInput(`${argument} must not be blank`, argument);
    return undefined;
  }
  if (text.length > MAX_SEARCH_LENGTH) {
    throw badInput(`${argument} must be at most ${MAX_SEARCH_LENGTH} characters, got ${text.length}`, argument);
  }
  return text;
}
