import * as z from 'zod/mini';
import type { ExpiryEntry } from '#ports/trading-index.ts';
import { numberAttr } from './attributes.ts';
import { EXPIRY_SWEEP_PK, EXPIRY_SWEEP_SK, expiryBucket, expiryPk, expirySk } from './keys.ts';

/**
 * The expiry index: one item per hold with an expiry (or per batch of holds, `holdIds`), in the partition of the minute it expires
 * in, so the sweep reads the minutes that are due (a Query each) instead of scanning the table.
 * Written in the transaction that places the hold; deleted by the sweep once the hold has ended.
 * The sweep mark (one item) says from which minute on buckets may still hold entries.
 */

export const expiryKey = (entry: ExpiryEntry): { pk: string; sk: string } => ({
  pk: expiryPk(expiryBucket(entry.expiresAtMs)),
  sk: expirySk(entry.expiresAtMs, entry.walletId, entry.holdId),
});

// Built on the first read, not at import: a module-level zod/mini schema is kept in every bundle
// that imports its module, and every writer imports this one for its item writer alone.
let expiryItemSchema: ReturnType<typeof buildExpiryItemSchema> | undefined;
function buildExpiryItemSchema() {
  return z.object({
    walletId: z.string(),
    holdId: z.string(),
    expiresAtMs: numberAttr,
    // An entry for several holds of one batch (ports/trading-index.ts); absent on one-hold entries.
    holdIds: z.optional(z.array(z.string())),
  });
}

export const toExpiryItem = (entry: ExpiryEntry): Record<string, unknown> => ({
  ...expiryKey(entry),
  kind: 'expiry',
  walletId: entry.walletId,
  holdId: entry.holdId,
  expiresAtMs: entry.expiresAtMs,
  ...(entry.holdIds === undefined ? {} : { holdIds: [...entry.holdIds] }),
});

export function fromExpiryItem(item: unknown): ExpiryEntry {
  expiryItemSchema ??= buildExpiryItemSchema();
  return expiryItemSchema.parse(item);
}

export const sweepMarkKey = { pk: EXPIRY_SWEEP_PK, sk: EXPIRY_SWEEP_SK } as const;
let sweepMarkSchema: ReturnType<typeof buildSweepMarkSchema> | undefined;
function buildSweepMarkSchema() {
  return z.object({ bucket: numberAttr });
}
export function fromSweepMark(item: unknown): number | undefined {
  if (item === undefined) return undefined;
  sweepMarkSchema ??= buildSweepMarkSchema();
  return sweepMarkSchema.parse(item).bucket;
}
