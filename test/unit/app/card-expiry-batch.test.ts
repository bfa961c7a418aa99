import { describe, expect, it } from 'vitest';
import { fromExpiryItem, toExpiryItem } from '#adapters/dynamodb/table-layout/expiry-item.ts';
import { MERGE_WINDOW_MS, oneExpiryPerBatch } from '#app/group-commit-expiry.ts';
import type { AppendGroupRequest } from '#ports/event-store.ts';
import type { ExpiryEntry, IndexChange } from '#ports/trading-index.ts';
import { cardExpiryWorld } from '../../support/card-expiry-world.ts';

const T0 = 2_000_000;
const TTL = 60_000;
const merchant = { id: 'm1', mcc: '5942' };
type Part = AppendGroupRequest['parts'][number];

const expiry = (holdId: string, expiresAtMs: number): IndexChange => ({
  kind: 'expiry',
  entry: { walletId: 'w', holdId, expiresAtMs },
});
const part = (...index: IndexChange[]): Part => ({
  events: [{ type: 'Noted', data: {}, eventId: 'e', recordedAtMs: 0 } as unknown as Part['events'][number]],
  index,
});
const entriesOf = (parts: readonly Part[]): (ExpiryEntry | undefined)[][] =>
  parts.map((one) =>
    (one.index ?? []).map((change) => (change.kind === 'expiry' ? change.entry : undefined)),
  );

describe('oneExpiryPerBatch: the holds of one batch share an expiry entry', () => {
  it('expiries within the window become one entry under the latest, listing every hold', () => {
    const payment: IndexChange = { kind: 'indexed', walletId: 'w' } as IndexChange;
    const parts = oneExpiryPerBatch([
      part(expiry('a', 1_000)),
      part(expiry('b', 1_400), payment),
      part(expiry('c', 1_200)),
    ]);
    expect(entriesOf(parts)).toEqual([
      [],
      [undefined, { walletId: 'w', holdId: 'b', expiresAtMs: 1_400, holdIds: ['a', 'c', 'b'] }],
      [],
    ]);
    // A part left without index changes carries none (no empty index list).
    expect(parts[0]?.index).toBeUndefined();
  });

  it('expiries further apart than the window keep entries of their own; a lone one is untouched', () => {
    const parts = oneExpiryPerBatch([
      part(expiry('a', 1_000)),
      part(expiry('b', 1_000 + MERGE_WINDOW_MS)),
      part(expiry('c', 1_001 + MERGE_WINDOW_MS)),
    ]);
    expect(entriesOf(parts)).toEqual([
      [],
      [{ walletId: 'w', holdId: 'b', expiresAtMs: 1_000 + MERGE_WINDOW_MS, holdIds: ['a', 'b'] }],
      [{ walletId: 'w', holdId: 'c', expiresAtMs: 1_001 + MERGE_WINDOW_MS }],
    ]);
    const lone = [part(expiry('a', 5))];
    expect(oneExpiryPerBatch(lone)).toEqual(lone);
  });
});

describe('the expiry item keeps the holds of a batch entry', () => {
  it('round-trips holdIds, and reads a one-hold item (the earlier layout) without them', () => {
    const batch: ExpiryEntry = { walletId: 'w', holdId: 'b', expiresAtMs: 9, holdIds: ['a', 'b'] };
    expect(fromExpiryItem(toExpiryItem(batch))).toEqual(batch);
    const one: ExpiryEntry = { walletId: 'w', holdId: 'a', expiresAtMs: 9 };
    expect(toExpiryItem(one)).not.toHaveProperty('holdIds');
    expect(fromExpiryItem(toExpiryItem(one))).toEqual(one);
  });
});

function world() {
  const w = cardExpiryWorld({ startMs: T0, ttlMs: TTL, groupCommit: true });
  const expiredIds = () =>
    w.released().flatMap((event) => (event.type === 'HoldReleased' ? [event.data.holdId] : []));
  return { ...w, expiredIds };
}

describe('the sweep ends every hold of a batch entry, each exactly once', () => {
  it('concurrent approvals share entries; captured and voided ones are left alone, the rest expire once', async () => {
    const w = world();
    await w.act({ kind: 'open', creditLimit: 100_000n, currency: 'EUR' });
    const approved = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        w.act({ kind: 'authorize', amount: BigInt(100 * (index + 1)), merchant }),
      ),
    );
    // They were batched: fewer entries than approvals (the first ran on its own).
    expect(w.store.tradingIndex.expiryCount).toBeLessThan(approved.length);
    const [captured, voided, ...rest] = approved as [string, string, ...string[]];
    await w.act({ kind: 'capture', authorizationId: captured });
    await w.act({ kind: 'void', authorizationId: voided });
    // Not due a millisecond early: nothing ends.
    w.clock.now = T0 + TTL - 1;
    expect(await w.sweep()).toEqual({ expired: 0, ended: 0, left: 0 });
    w.clock.now = T0 + TTL;
    expect(await w.sweep()).toEqual({ expired: rest.length, ended: 2, left: 0 });
    expect(w.expiredIds().sort()).toEqual([...rest].sort());
    expect(w.held()).toBe(0n);
    expect(w.store.tradingIndex.expiryCount).toBe(0);
    // Once: the next sweep finds nothing, and a capture of an expired one is refused.
    expect(await w.sweep()).toEqual({ expired: 0, ended: 0, left: 0 });
    await expect(w.act({ kind: 'capture', authorizationId: rest[0] as string })).rejects.toThrow();
    expect(w.expiredIds()).toHaveLength(rest.length);
  });

  it('an entry whose listed hold is not yet due by the decider is kept until that hold is ended', async () => {
    const w = world();
    await w.act({ kind: 'open', creditLimit: 100_000n, currency: 'EUR' });
    const first = await w.act({ kind: 'authorize', amount: 100n, merchant });
    w.clock.now = T0 + 30_000;
    const later = await w.act({ kind: 'authorize', amount: 200n, merchant });
    // An entry filed too early for one of its holds (the batch path never writes one; the sweep
    // must still not drop it while that hold is active).
    await w.store.tradingIndex.remove({ walletId: 'a1', holdId: later, expiresAtMs: T0 + 30_000 + TTL });
    w.store.tradingIndex.apply([
      {
        kind: 'expiry',
        entry: { walletId: 'a1', holdId: first, expiresAtMs: T0 + TTL, holdIds: [first, later] },
      },
    ]);
    expect(w.store.tradingIndex.expiryCount).toBe(1);
    w.clock.now = T0 + TTL;
    const report = await w.sweep();
    expect(report.expired).toBe(1);
    expect(report.left).toBe(1);
    expect(w.expiredIds()).toEqual([first]);
    w.clock.now = T0 + 30_000 + TTL;
    const after = await w.sweep();
    expect(after.expired).toBe(1);
    expect(w.expiredIds()).toEqual([first, later]);
    expect(w.store.tradingIndex.expiryCount).toBe(0);
    expect(w.held()).toBe(0n);
  });
});
