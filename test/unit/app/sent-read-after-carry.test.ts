/**
 * review3 (s22-writes). Two cold keyed holds on one wallet in one process, group commit on. Both
 * send their state read (exactStateEarly) before either is decided. A commits first and leaves a
 * carried state. B's batch (a batch of one) decides on the carry, is refused (funds gone), and
 * "reads again" (group-commit-batch.ts: refusals only on a carried state). That read is lane0's
 * start, which hands out B's SENT state (firstState), read before A committed: older than the
 * carry it replaces. B is approved on it, its append fails on lane 0's head (a doomed
 * TransactWriteItems), the wallet is marked as raced for RACED_MS, and only then is B refused.
 * Expected: B refused without an append (a fresh read, as the comment "Read, and decide again"
 * says). Not a money bug (the append is conditioned on the sent read's head): cost only.
 */
import { describe, expect, it } from 'vitest';
import { holdAction } from '#app/holds.ts';
import type { EventStore } from '#ports/event-store.ts';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';

describe('review3: a refused carried batch reads again, not the sent read older than the carry', () => {
  it('B is refused with one appendGroup in all (A only)', async () => {
    const table = await funded(new InMemoryGroupStore()); // w1: 100 in lane 0
    let appends = 0;
    const original = table.appendGroup.bind(table);
    table.appendGroup = (async (...args: Parameters<typeof original>) => {
      appends++;
      return original(...args);
    }) as typeof table.appendGroup;
    const { store, open, calls } = gatedKeyLookups(table as EventStore, true);
    const hold = (id: string) =>
      holdAction(
        { store, clock: { nowMs: () => 5 }, ids: { newId: () => id } },
        {
          walletId: 'w1',
          idempotency: { key: `holds#${id}`, payloadHash: id, reference: id, legacyKey: id },
          respond: () => ({ statusCode: 201, body: id }),
        },
        { kind: 'place', asset: 'money', amount: 60n, expiresInMs: 60_000 },
      );
    const a = hold('a');
    const b = hold('b');
    expect(calls.walletAndHead).toBe(2); // both cold: both reads sent
    open();
    const [outA, outB] = await Promise.all([a, b]);
    expect(outA.kind).toBe('recorded');
    expect(outB.kind).toBe('rejected');
    expect((await table.head('w1', 0)).version).toBe(2);
    expect(appends).toBe(1);
  });
});
