import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { toExpiryItem } from '#adapters/dynamodb/table-layout/expiry-item.ts';
import { expiryBucket } from '#adapters/dynamodb/table-layout/keys.ts';
import {
  CLOCK_SKEW_BUCKETS,
  DynamoTradingIndex,
  FIRST_SWEEP_LOOKBACK_BUCKETS,
} from '#adapters/dynamodb/trading-index.ts';
import type { ExpiryEntry } from '#ports/trading-index.ts';

const MINUTE = 60_000;
const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 30);
const current = expiryBucket(NOW_MS);

/**
 * A table that answers the sweep's reads as DynamoDB does (a bucket's entries in sort-key order, at
 * most `Limit`, only those due by `:upTo`), each after a few ms, and records how many reads were in
 * flight at once and the mark written.
 */
function fakeTable(entries: ExpiryEntry[], mark?: number) {
  const items = entries.map(toExpiryItem).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
  const state = { inFlight: 0, mostAtOnce: 0, queries: 0, marked: mark };
  const client = {
    async send(command: unknown) {
      state.inFlight++;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      state.inFlight--;
      if (command instanceof GetCommand)
        return { Item: state.marked === undefined ? undefined : { bucket: state.marked } };
      if (command instanceof UpdateCommand) {
        state.marked = command.input.ExpressionAttributeValues?.[':bucket'] as number;
        return {};
      }
      if (command instanceof QueryCommand) {
        state.queries++;
        const values = command.input.ExpressionAttributeValues ?? {};
        const found = items.filter((item) => item.pk === values[':pk'] && String(item.sk) < values[':upTo']);
        return { Items: found.slice(0, command.input.Limit) };
      }
      throw new Error('unexpected command');
    },
  };
  return { index: new DynamoTradingIndex(client as never, 'tally'), state };
}

const entry = (minutesAgo: number, holdId: string, secondsIn = 1): ExpiryEntry => ({
  walletId: `w-${holdId}`,
  holdId,
  expiresAtMs: (current - minutesAgo) * MINUTE + secondsIn * 1000,
});

describe('the expiry index: due()', () => {
  // Spread over the first sweep's look-back: the oldest minute, the middle, and the last minutes.
  const spread = [
    entry(FIRST_SWEEP_LOOKBACK_BUCKETS, 'a'),
    entry(40, 'b', 5),
    entry(40, 'c', 2),
    entry(40, 'd', 9),
    entry(17, 'e'),
    entry(3, 'f'),
    entry(0, 'g', 1),
    entry(0, 'later', 50), // due only at :50, after NOW_MS (:30)
  ];

  it('reads the buckets of a fresh table a window at a time, and gives the entries in bucket order', async () => {
    const { index, state } = fakeTable(spread);
    const page = await index.due(NOW_MS, 25);
    expect(page.entries.map((due) => due.holdId)).toEqual(['a', 'c', 'b', 'd', 'e', 'f', 'g']);
    expect(page.more).toBe(false);
    expect(state.queries).toBe(FIRST_SWEEP_LOOKBACK_BUCKETS + 1);
    // Several bucket reads at once (read one by one, it would be 1).
    expect(state.mostAtOnce).toBeGreaterThan(4);
    // The mark: the first bucket with entries.
    expect(state.marked).toBe(current - FIRST_SWEEP_LOOKBACK_BUCKETS);
  });

  it('ends a full page mid-bucket exactly where a bucket-by-bucket read would, and marks from there', async () => {
    const { index, state } = fakeTable(spread.slice(1));
    const page = await index.due(NOW_MS, 2);
    expect(page.entries.map((due) => due.holdId)).toEqual(['c', 'b']);
    expect(page.more).toBe(true);
    expect(state.marked).toBe(current - 40);
    // Nothing was removed: the next call reads from the mark and gives the same page.
    const next = await index.due(NOW_MS, 2);
    expect(next.entries.map((due) => due.holdId)).toEqual(['c', 'b']);
    expect(next.more).toBe(true);
  });

  it('once marked, reads only from the mark, the last minutes together with the mark', async () => {
    const { index, state } = fakeTable(spread, current - CLOCK_SKEW_BUCKETS);
    const page = await index.due(NOW_MS, 25);
    expect(page.entries.map((due) => due.holdId)).toEqual(['f', 'g']);
    expect(page.more).toBe(false);
    expect(state.queries).toBe(CLOCK_SKEW_BUCKETS + 1);
    // The mark's read and every bucket read in one round.
    expect(state.mostAtOnce).toBe(CLOCK_SKEW_BUCKETS + 2);
    expect(state.marked).toBe(current - CLOCK_SKEW_BUCKETS);
  });

  it('a mark ahead of the last minutes: the buckets before it are not returned', async () => {
    const { index } = fakeTable(spread, current - 2);
    const page = await index.due(NOW_MS, 25);
    expect(page.entries.map((due) => due.holdId)).toEqual(['g']);
  });
});
