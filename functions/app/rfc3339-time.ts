// zod/mini, as cloud-event.ts. A module of its own: the admin bodies (corrections, backtests, rule
// checks) take an RFC 3339 time without the CloudEvent schema, which any export of cloud-event.ts
// would bring into their bundles (esbuild keeps a module-level schema built with `.check()`).
import * as z from 'zod/mini';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 timestamp that names a real instant (no 30 February). */
export const rfc3339Time = z
  .string()
  .check(
    z.regex(RFC3339, 'must be an RFC 3339 timestamp, e.g. 2026-11-22T10:00:00Z'),
    z.refine(isCalendarDate, 'is not a valid date (no such day or time)'),
  );

/** `Date.parse` rolls 2026-02-30 over to 2 March; a real date must come back as written. */
function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!match || !Number.isFinite(Date.parse(value))) return false;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 0, hour ?? 0, minute ?? 0, second ?? 0));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}
