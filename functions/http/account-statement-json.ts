/**
 * `GET /accounts/{account_id}/transactions`: its query and its answer, in a module of their own
 * (the accounts function loads them with the first statement it lists: handlers/account-reads.ts).
 */
import * as z from 'zod/mini';
import type { StatementLine } from '#domain/card/statement-lines.ts';
import { accountEventJson } from './account-audit-json.ts';
import { decodeCursorWith, parseLimit } from './query.ts';

const cursorSchema = z.object({ v: z.int().check(z.gte(1)) });

/** `?limit=&cursor=` of the statement: newest first, the cursor the version to continue below. */
export function statementQuery(query: Readonly<Record<string, string | undefined>>): {
  limit: number;
  below?: number;
} {
  const limit = parseLimit(query.limit);
  if (query.cursor === undefined) return { limit };
  return { limit, below: decodeCursorWith(cursorSchema, query.cursor).v };
}

export function statementJson(
  accountId: string,
  lines: readonly StatementLine[],
  { limit, below }: { limit: number; below?: number },
): string {
  const rest = lines.filter((line) => below === undefined || line.event.version < below);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  const nextCursor =
    rest.length > limit && last !== undefined
      ? Buffer.from(JSON.stringify({ v: last.event.version })).toString('base64url')
      : null;
  return JSON.stringify({
    accountId,
    transactions: page.map((line) => ({
      kind: line.kind,
      ...(line.status === undefined ? {} : { status: line.status }),
      event: accountEventJson(line.event),
    })),
    nextCursor,
  });
}
