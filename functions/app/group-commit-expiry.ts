/**
 * One expiry entry per group-commit batch instead of one per hold. Every approved card
 * authorization (and every hold with an expiry) puts an expiry entry in its transaction; on
 * DynamoDB each item of a transaction costs time and write units, and a batch on one wallet
 * places holds that expire within milliseconds of each other (an authorization expires a fixed
 * TTL after it was asked). So the holds of a batch whose expiries lie within MERGE_WINDOW_MS of
 * each other share one entry: it lists them all (`holdIds`) and is filed under the latest of their
 * expiries, so when it is due every hold it lists is due, and the sweep (expiry-sweep.ts) ends
 * them all in one lane-0 decision. A hold therefore ends at most MERGE_WINDOW_MS after its own
 * expiry plus the sweep's period, and exactly once (each hold is ended by an event decided against
 * the wallet's exact state; a hold captured or voided meanwhile is left alone). Pure.
 */
import type { AppendGroupRequest } from '#ports/event-store.ts';
import type { ExpiryEntry, IndexChange } from '#ports/trading-index.ts';
import { holdsOfEntry } from '#ports/trading-index.ts';

type Part = AppendGroupRequest['parts'][number];
type ExpiryChange = Extract<IndexChange, { kind: 'expiry' }>;

/** How far apart two holds' expiries may be and still share an entry (the most a hold ends late). */
export const MERGE_WINDOW_MS = 1_000;

/**
 * The batch's parts with their expiry changes merged: each group of expiries within the window
 * becomes one change, carried by the part of the group's latest hold (its item name and key are
 * that hold's own, so the transaction never writes one item twice). Other changes are untouched,
 * as is a batch with fewer than two expiries.
 */
export function oneExpiryPerBatch(parts: readonly Part[]): Part[] {
  const found: { part: number; change: ExpiryChange }[] = [];
  parts.forEach((part, index) => {
    for (const change of part.index ?? []) if (change.kind === 'expiry') found.push({ part: index, change });
  });
  if (found.length < 2) return [...parts];
  found.sort((a, b) => a.change.entry.expiresAtMs - b.change.entry.expiresAtMs);
  const merged = new Map<number, ExpiryChange[]>();
  for (let start = 0; start < found.length; ) {
    const first = found[start] as (typeof found)[number];
    let end = start + 1;
    while (
      end < found.length &&
      (found[end] as (typeof found)[number]).change.entry.expiresAtMs - first.change.entry.expiresAtMs <=
        MERGE_WINDOW_MS
    )
      end++;
    const group = found.slice(start, end);
    const latest = group.at(-1) as (typeof found)[number];
    const entry: ExpiryEntry = {
      ...latest.change.entry,
      ...(group.length > 1 ? { holdIds: group.flatMap(({ change }) => holdsOfEntry(change.entry)) } : {}),
    };
    merged.set(latest.part, [...(merged.get(latest.part) ?? []), { kind: 'expiry', entry }]);
    start = end;
  }
  return parts.map((part, index) => {
    if (part.index === undefined || !part.index.some((change) => change.kind === 'expiry')) return part;
    const index_ = [...part.index.filter((change) => change.kind !== 'expiry'), ...(merged.get(index) ?? [])];
    const { index: _dropped, ...rest } = part;
    return index_.length > 0 ? { ...rest, index: index_ } : rest;
  });
}
