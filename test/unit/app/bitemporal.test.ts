import { describe, expect, it } from 'vitest';
import { walletAsOf } from '#app/queries/wallet-view.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import type { WalletEvent } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * The worked example (docs/api.md, "Bitemporal reads") of bitemporal reads: a deposit at 10:00, a late deposit that
 * happened at 09:30 but was recorded at 11:00, and at 12:00 a correction voiding the first.
 * `asOf` is effective time, `knownAt` record time.
 */
const CONFIG: ThresholdConfig = { thresholdMinor: 1_000_000n, windowMs: 120_000, retainMax: 16 };
const at = (hhmm: string) => Date.parse(`2026-11-22T${hhmm}:00Z`);

async function example(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  const append = async (event: WalletEvent, eventId: string, recordedAtMs: number) =>
    store.append({
      walletId: 'w',
      lane: 0,
      expected: await store.head('w', 0),
      events: [{ ...event, eventId, recordedAtMs } as never],
    });
  await append(
    { type: 'Deposited', data: { amountMinor: 10_000n, occurredAtMs: at('10:00') } },
    'd1',
    at('10:00'),
  );
  await append(
    { type: 'Deposited', data: { amountMinor: 5_000n, occurredAtMs: at('09:30') } },
    'd2',
    at('11:00'),
  );
  await append(
    {
      type: 'EventCorrected',
      data: {
        target: { eventId: 'd1', lane: 0, version: 1, type: 'Deposited' },
        action: 'void',
        reason: 'bounced',
      },
    },
    'c3',
    at('12:00'),
  );
  return store;
}

async function balance(query: { asOf?: string; knownAt?: string }): Promise<bigint | undefined> {
  const store = await example();
  const view = await walletAsOf({ stores: { events: store, readModels: store }, config: CONFIG }, 'w', {
    ...(query.asOf === undefined ? {} : { asOf: { kind: 'time', atMs: at(query.asOf) } }),
    ...(query.knownAt === undefined ? {} : { knownAtMs: at(query.knownAt) }),
  });
  return view?.balanceMinor;
}

describe('bitemporal reads: asOf (effective time) and knownAt (record time)', () => {
  it('asOf alone: what happened by then, as we know it now (the late deposit counts, the void too)', async () => {
    expect(await balance({ asOf: '10:15' })).toBe(5_000n);
    expect(await balance({ asOf: '09:45' })).toBe(5_000n);
    expect(await balance({ asOf: '09:00' })).toBeUndefined();
  });

  it('knownAt alone: what we had recorded then (the record-time reading asOf used to give)', async () => {
    expect(await balance({ knownAt: '10:30' })).toBe(10_000n);
    expect(await balance({ knownAt: '11:30' })).toBe(15_000n);
    expect(await balance({ knownAt: '12:30' })).toBe(5_000n);
  });

  it('both: the balance at asOf as it was known at knownAt (a later correction is not yet in effect)', async () => {
    expect(await balance({ asOf: '10:15', knownAt: '10:30' })).toBe(10_000n);
    expect(await balance({ asOf: '10:15', knownAt: '11:30' })).toBe(15_000n);
    expect(await balance({ asOf: '09:45', knownAt: '11:30' })).toBe(5_000n);
    expect(await balance({ asOf: '09:45', knownAt: '10:30' })).toBeUndefined();
    expect(await balance({ asOf: '10:15', knownAt: '12:30' })).toBe(5_000n);
  });
});
