import * as z from 'zod/mini';
import type { Movement } from '#domain/wallet-transactions.ts';
import { amountJson } from './audit-json.ts';
import { decodeCursorWith, parseLimit } from './query.ts';

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
  const limit = parseLimit(query.limit);
  if (query.cursor === undefined) return { limit };
  return { limit, after: decodeCursorWith(cursorSchema, query.cursor) };
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
