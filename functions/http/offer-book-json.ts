import * as z from 'zod/mini';
import { ASSETS } from '#domain/wallet.ts';
import { OFFER_STATUSES, type OfferBookPage, type OfferBookQuery } from '#ports/trading-index.ts';
import { offerJson } from './offers-json.ts';
import { badRequest } from './problem.ts';
import { decodeCursorWith, parseLimit } from './query.ts';

const queryParams = new Set(['asset', 'status', 'limit', 'cursor']);

/** The cursor: where the page ended in the book of one asset and status (base64url JSON). */
const cursorSchema = z.strictObject({
  a: z.enum(ASSETS),
  s: z.enum(OFFER_STATUSES),
  k: z.string().check(z.minLength(1)),
});

/** `?asset=&status=&limit=&cursor=`, checked: asset defaults to points, status to open. */
export function offerBookQuery(
  query: Readonly<Record<string, string | undefined>>,
): Omit<OfferBookQuery, 'nowMs'> {
  const unknown = Object.keys(query).filter((name) => !queryParams.has(name));
  if (unknown.length > 0) {
    throw badRequest(
      'invalid-query',
      `Unknown query parameter ${unknown.join(', ')}: asset, status, limit and cursor are.`,
    );
  }
  const asset = query.asset ?? 'points';
  if (!(ASSETS as readonly string[]).includes(asset)) {
    throw badRequest('invalid-asset', `asset must be one of ${ASSETS.join(', ')}.`);
  }
  const status = query.status ?? 'open';
  if (!(OFFER_STATUSES as readonly string[]).includes(status)) {
    throw badRequest('invalid-status', `status must be one of ${OFFER_STATUSES.join(', ')}.`);
  }
  const limit = parseLimit(query.limit);
  const typed = { asset, status } as Pick<OfferBookQuery, 'asset' | 'status'>;
  if (query.cursor === undefined) return { ...typed, limit };
  const cursor = decodeCursorWith(cursorSchema, query.cursor);
  if (cursor.a !== asset || cursor.s !== status) {
    throw badRequest('invalid-cursor', 'cursor belongs to another asset or status; keep them as they were.');
  }
  return { ...typed, limit, after: cursor.k };
}

/** `{"asset","status","offers":[…],"nextCursor"}`: each offer as `GET /offers/{offer_id}` shows it, without history. */
export function offerBookJson(query: Omit<OfferBookQuery, 'nowMs'>, page: OfferBookPage): string {
  const nextCursor =
    page.next === undefined
      ? null
      : Buffer.from(JSON.stringify({ a: query.asset, s: query.status, k: page.next })).toString('base64url');
  return (
    `{"asset":"${query.asset}","status":"${query.status}","offers":[${page.offers.map(offerJson).join(',')}],` +
    `"nextCursor":${JSON.stringify(nextCursor)}}`
  );
}
