import * as z from 'zod';
import { PAGE_MAX } from '../query.ts';

/**
 * Query parameters as zod schemas of the text the routes read. The routes parse them with their
 * own functions (functions/http/query.ts), which give each mistake its own problem code; these
 * say the same rules in a form the document can publish, and test/unit/http/contract checks
 * that each accepts what the parser accepts.
 */
export const limitParam = {
  schema: z.string().regex(/^\d+$/).describe(`1 to ${PAGE_MAX}`),
  description: `Page size, 1–${PAGE_MAX} (default 50).`,
};

export const cursorParam = {
  schema: z.string().regex(/^[A-Za-z0-9_-]+$/),
  description: 'The `nextCursor` (or `next`) of the previous page; opaque.',
};

export const page = { limit: limitParam, cursor: cursorParam };

const isoTimeText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i)
  .describe('ISO 8601 time');

export const asOfParam = {
  schema: z.union([
    isoTimeText,
    z
      .string()
      .regex(/^\d{1,12}$/)
      .describe('a wallet version'),
  ]),
  description:
    "Effective time: the wallet as of this time, counting the events that happened at or before it (a deposit or fact by its own time; a correction by the time of what it corrects). A whole number: the wallet's first N events in recorded order.",
};

export const knownAtParam = {
  schema: isoTimeText,
  description:
    'Record time: count only what Tally had recorded at or before this time ("what we reported then"). With `asOf`: the balance at asOf as it was known at knownAt.',
};

/** `asOf` and `knownAt` on the listings and the account reads: times only (see parseCut). */
export const cutParams = {
  asOf: {
    schema: isoTimeText,
    description:
      'Effective time: count only the events that happened at or before this time (a deposit or fact by its own time; a correction by the time of what it corrects; anything else when it was recorded).',
  },
  knownAt: knownAtParam,
};

export const cutDescription =
  'Bitemporal: `asOf` is effective time (when a deposit or fact says it happened), `knownAt` is record time (when Tally recorded it); both: as it stood at `asOf` as it was known at `knownAt`. Either makes the read cut the whole log in memory. Nothing counted at the cut: 404, as `GET /wallets/{wallet_id}`.';

export const booleanParam = (description: string) => ({
  schema: z.enum(['true', 'false']),
  description,
});

export const versionParam = {
  schema: z.string().regex(/^\d{1,8}$/),
  description: 'A published rule-set version (1, 2, …).',
};
