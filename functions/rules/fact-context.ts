/**
 * A fact as CEL expressions see it: the variables of one evaluation. Plain JavaScript, without the
 * CEL engine, so a rule set whose rules need no evaluation (runtime.ts) builds none of it: only
 * rules compiled with CEL (compile-form.ts) read `time` and `data`.
 */

/**
 * `type` is a built-in identifier in CEL (the type of types) and cannot be declared as a
 * variable, yet rules may name the event type `type`: lexer.ts rewrites it to this same-length
 * alias before parsing, and the alias is declared as a string variable.
 */
export const TYPE_ALIAS = '_typ';

/** Nesting levels of fact data converted for CEL; deeper data is refused rather than recursed into. */
export const DATA_DEPTH_MAX = 64;

/** The variables one evaluation sees. */
export type CelContext = {
  event_type: string;
  [TYPE_ALIAS]: string;
  subject: string;
  source: string;
  /** Undefined until a rule needs it, and when the fact's time is not RFC 3339 (rules reading it then fail). */
  time: unknown;
  data: unknown;
};

/** Thrown while preparing a fact; the caller names the rule that needed the bad part. */
export class FactDataError extends Error {
  override readonly name = 'FactDataError';
}

/**
 * JSON as CEL sees it: integral numbers within ±(2^53 − 1) become int (bigint) so
 * `data.qty * 5` is int arithmetic; other numbers stay double. Objects become prototype-free
 * maps (a `__proto__` key is just a key). Absent or null data is an empty map.
 */
export function celData(data: unknown): unknown {
  if (data === undefined || data === null) return Object.create(null);
  return toCel(data, 0);
}

function toCel(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= DATA_DEPTH_MAX)
        throw new FactDataError(`data is nested deeper than ${DATA_DEPTH_MAX} levels`);
      // As in JSON, undefined (and functions) in a list read as null, and as absent in a map.
      if (Array.isArray(value)) return value.map((item) => (isAbsent(item) ? null : toCel(item, depth + 1)));
      const map: Record<string, unknown> = Object.create(null);
      const source = value as Record<string, unknown>;
      // for…in is several times faster than Object.entries here, and this runs once per fact.
      for (const key in source) {
        const item = source[key];
        if (Object.hasOwn(source, key) && !isAbsent(item)) map[key] = toCel(item, depth + 1);
      }
      return map;
    }
    default:
      throw new FactDataError(`data is a ${typeof value}, not JSON`);
  }
}

const isAbsent = (value: unknown): boolean =>
  value === undefined || typeof value === 'function' || typeof value === 'symbol';
