import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { type Stores, storesFromEnv } from '#adapters/dynamodb/stores.ts';
import { readWallet } from '#app/read-events.ts';
import { formatMinor } from '#domain/money.ts';
import { parseWalletId } from '#domain/wallet-id.ts';
import { type Movement, movementsOf } from '#domain/wallet-transactions.ts';
import { problemErrors } from '#http/middleware.ts';
import { logger } from '#http/observability.ts';
import { badRequest, type HttpResult, jsonResult, walletNotFound } from '#http/problem.ts';

const PAGE_DEFAULT = 50;
const PAGE_MAX = 200;

/** Where a page ended: the last line's record time and place (newest first, so the next page is older). */
const cursorSchema = z.object({
  t: z.number().int(),
  l: z.number().int().min(0),
  v: z.number().int().min(1),
});

function parseQuery(query: Record<string, string | undefined>) {
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

const older = (line: Movement, after: z.infer<typeof cursorSchema>) => {
  const { recordedAtMs: t, lane: l, version: v } = line.event;
  return t < after.t || (t === after.t && (l < after.l || (l === after.l && v < after.v)));
};

const lineJson = (line: Movement) => ({
  kind: line.kind,
  asset: line.asset,
  // Money as exact decimal text, points as a number.
  amount: line.asset === 'money' ? formatMinor(line.amount) : Number(line.amount),
  counterparty: line.counterparty,
  eventId: line.event.eventId,
  type: line.event.type,
  lane: line.event.lane,
  version: line.event.version,
  recordedAt: new Date(line.event.recordedAtMs).toISOString(),
});

/** GET /wallets/{wallet_id}/transactions?limit=&cursor=: money and points movements, newest first. */
export function makeTransactionsHandler(deps: () => { stores: Pick<Stores, 'events'> }) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const walletId = parseWalletId(event.pathParameters?.wallet_id);
    const { limit, after } = parseQuery(event.queryStringParameters ?? {});
    const log = await readWallet(deps().stores.events, walletId);
    if (log.length === 0) throw walletNotFound(walletId);
    const lines = movementsOf(log).filter((line) => after === undefined || older(line, after));
    const page = lines.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      lines.length > limit && last !== undefined
        ? Buffer.from(
            JSON.stringify({ t: last.event.recordedAtMs, l: last.event.lane, v: last.event.version }),
          ).toString('base64url')
        : null;
    return jsonResult(200, JSON.stringify({ walletId, transactions: page.map(lineJson), nextCursor }));
  };
}

export const handler = middy(makeTransactionsHandler(() => ({ stores: storesFromEnv() })))
  .use(injectLambdaContext(logger))
  .use(problemErrors(logger));
