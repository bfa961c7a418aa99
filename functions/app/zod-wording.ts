import type * as z from 'zod';
import { en } from 'zod/locales';

/**
 * zod's English messages, for the issues we do not word. The classic API installs them when its
 * first schema is built; a function whose schemas are all zod/mini never does, so they are
 * named here and every boundary words alike whichever API its schemas use.
 */
const english = en().localeError;

/**
 * zod's English messages as a per-parse error map, for parsers whose messages reach an operator
 * (not a client): pass `{ error: zodEnglish }` where a zod/mini schema parses.
 */
export const zodEnglish = (issue: z.core.$ZodRawIssue): string | undefined =>
  english(issue as Parameters<typeof english>[0]) as string | undefined;

/**
 * zod's own messages ("Invalid input: expected string, received undefined") are written for
 * developers; a client gets ours, in one voice, from this one place. Every boundary that parses
 * client input passes it per parse (`schema.safeParse(input, { error: zodWording })`), so it words
 * every issue a schema does not word itself (a schema's own `error` still wins). Per parse, not a
 * global `z.config` on import: bundles are built with `sideEffects: false`, which would drop an
 * import made only for its effect.
 */
export function zodWording(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${KIND[issue.expected] ?? issue.expected} (got ${kindOf(issue.input)})`;
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
    }
    case 'too_small':
    case 'too_big':
      return sizeWording(issue);
    case 'invalid_format':
      return issue.format === 'regex' ? 'does not have the expected form' : `must be a valid ${issue.format}`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'does not match any accepted form';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return zodEnglish(issue);
  }
}

const KIND: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'an array',
  bigint: 'a whole number',
  null: 'null',
};

function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  if (typeof input === 'number' && !Number.isFinite(input)) return 'a number out of range';
  if (typeof input === 'number') return Number.isInteger(input) ? 'a whole number' : 'a fraction';
  return `a ${typeof input}`;
}

function sizeWording(issue: z.core.$ZodRawIssue<z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig>): string {
  const small = issue.code === 'too_small';
  const limit = String(
    small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum,
  );
  const inclusive = issue.inclusive !== false;
  const bound = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'string':
      return small && limit === '1' ? 'must not be empty' : `must be ${bound} ${limit} characters`;
    case 'array':
    case 'set':
      return small && limit === '1' ? 'must not be empty' : `must have ${bound} ${limit} items`;
    default:
      return `must be ${bound} ${limit}`;
  }
}
