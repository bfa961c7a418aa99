import * as z from 'zod/mini';
import type { EventPosition } from '#app/queries/positions.ts';
import type { AsOf } from '#app/queries/wallet-view.ts';
import { badRequest } from './problem.ts';

/** Pages of awards or audit events: this many unless `limit` says otherwise, never more than the max. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

const cursorSchema = z.object({ lane: z.int().check(z.gte(0), z.lte(99)), version: z.int().check(z.gte(1)) });

/** A cursor is the position of the next event to list, opaque to the client (base64url JSON). */
export const encodeCursor = (position: EventPosition): string =>
  Buffer.from(JSON.stringify({ lane: position.lane, version: position.version })).toString('base64url');

export const nextCursor = (position: EventPosition | undefined): string | null =>
  position === undefined ? null : encodeCursor(position);

/** A cursor decoded with `schema` from its base64url JSON; a 400 `invalid-cursor` if it is not one. */
export function decodeCursorWith<T>(schema: { parse(value: unknown): T }, text: string): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw badRequest('invalid-cursor', 'cursor is not one this API gave out; start again without it.');
  }
}

/** `limit`, written as a whole number from 1 to PAGE_MAX (PAGE_DEFAULT when absent); else a 400. */
export function parseLimit(text: string | undefined): number {
  if (text === undefined) return PAGE_DEFAULT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > PAGE_MAX) {
    throw badRequest('invalid-limit', `limit must be a whole number from 1 to ${PAGE_MAX}.`);
  }
  return limit;
}

export interface PageQuery {
  limit: number;
  /** Where the page starts; the first event of lane 0 without a cursor. */
  from: EventPosition;
  /** True when the client sent a cursor (a later page). */
  continued: boolean;
}

/** `?limit=&cursor=`, the one pagination every listing route takes. */
export function pageQuery(query: Readonly<Record<string, string | undefined>>): PageQuery {
  const limit = parseLimit(query.limit);
  if (query.cursor === undefined) return { limit, from: { lane: 0, version: 1 }, continued: false };
  return { limit, from: decodeCursorWith(cursorSchema, query.cursor), continued: true };
}

/** `asOf` is an ISO 8601 effective time (happened at or before it) or a wallet version (its first N events). */
export function parseAsOf(text: string): AsOf {
  if (/^\d{1,12}$/.test(text)) return { kind: 'version', version: Number(text) };
  const atMs = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i.test(text) && Number.isFinite(atMs)) {
    return { kind: 'time', atMs };
  }
  throw badRequest(
    'invalid-as-of',
    'asOf must be an ISO 8601 time (e.g. 2026-11-22T10:00:00Z) or a version number.',
  );
}

/** `/verify?full=true` walks every lane from version 1 instead of from its signed checkpoint. */
export function parseFull(text: string | undefined): boolean {
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw badRequest('invalid-full', 'full must be true or false.');
}

/** `knownAt` is an ISO 8601 record time: what had been recorded at or before it. */
export function parseKnownAt(text: string): number {
  const atMs = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i.test(text) && Number.isFinite(atMs)) return atMs;
  throw badRequest('invalid-known-at', 'knownAt must be an ISO 8601 time (e.g. 2026-11-22T10:00:00Z).');
}

/**
 * `?asOf=&knownAt=` on the reads that list or fold at a cut (points, events, transactions, an
 * account): both ISO 8601 times; undefined when neither is given (the read as it stands now).
 * `asOf` as a version number is the wallet read's alone (its first N events in recorded order).
 */
export function parseCut(
  query: Readonly<Record<string, string | undefined>>,
): { asOfMs?: number; knownAtMs?: number } | undefined {
  const { asOf, knownAt } = query;
  if (asOf === undefined && knownAt === undefined) return undefined;
  const parsedAsOf = asOf === undefined ? undefined : parseAsOf(asOf);
  if (parsedAsOf?.kind === 'version') {
    throw badRequest(
      'invalid-as-of',
      'asOf on this read must be an ISO 8601 time (e.g. 2026-11-22T10:00:00Z); a version number is for GET /wallets/{wallet_id} only.',
    );
  }
  return {
    ...(parsedAsOf === undefined ? {} : { asOfMs: parsedAsOf.atMs }),
    ...(knownAt === undefined ? {} : { knownAtMs: parseKnownAt(knownAt) }),
  };
}
