import * as z from 'zod/mini';
import type { Movement } from '#domain/wallet-transactions.ts';
import { amountJson } from './audit-json.ts';
import { badRequest } from './problem.ts';

const PAGE_DEFAULT = 50;
const PAGE_MAX = 200;

/** Where a page ended: the last line's record time and place (newest first, so the next page is older). */
const cursorSchema = z.object({
  t: z.int(),
  l: z.int().check(z.gte(0)),
  v: z.int().check(z.gte(1)),
});
type Cursor = z.infer<typeof cursorSchema>;

/** `?limit=&cursor=`, checked. */
export function transactionsQuery(query: Readonly<Record<string, string | undefined>>): {
  limit: number;
  after?: Cursor;
} {
  const limit = query.limit === undefined ? PAGE_DEFAULT : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    throw badRequest('invalid-limit', `limit must be a whole number from 1 to ${PAGE_MAX}.`);
  }
  if (query.cursor === undefined) return { limit };
  try {
    const after = cursorSchema.parse(JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')));
    return { limit, after };
  } catch {
    throw badRequest('invalid-cursor', 'cursor is not one this API gave out; start again without it.');
  }
}

const older = (line: Movement, after: Cursor) => {
  const { recordedAtMs: t, lane: l, version: v } = line.event;
  return t < after.t || (t === after.t && (l < after.l || (l === after.l && v < after.v)));
};

const lineJson = (line: Movement) => ({
  kind: line.kind,
  asset: line.asset,
  amount: amountJson(line.asset, line.amount),
  counterparty: line.counterparty,
  eventId: line.event.eventId,
  type: line.event.type,
  lane: line.event.lane,
  version: line.event.version,
  recordedAt: new Date(line.event.recordedAtMs).toISOString(),
});

/** One page of a wallet's movements (newest first) and the cursor to the next, older page. */
export function transactionsJson(
  walletId: string,
  movements: readonly Movement[],
  { limit, after }: { limit: number; after?: Cursor },
): string {
  const lines = movements.filter((line) => after === undefined || older(line, after));
  const page = lines.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    lines.length > limit && last !== undefined
      ? Buffer.from(
          JSON.stringify({ t: last.event.recordedAtMs, l: last.event.lane, v: last.event.version }),
        ).toString('base64url')
      : null;
  return JSON.stringify({ walletId, transactions: page.map(lineJson), nextCursor });
}
