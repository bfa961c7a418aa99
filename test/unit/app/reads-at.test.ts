import { describe, expect, it } from 'vitest';
import { accountAt, auditTrailAt, awardsAt, walletLogAt } from '#app/queries/reads-at.ts';
import { readWallet } from '#app/read-events.ts';
import { foldableAt, visibleAt } from '#domain/bitemporal.ts';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * The listings at a bitemporal cut, on the worked example of docs/api.md ("Bitemporal reads"): a deposit at 10:00, a late
 * deposit that happened at 09:30 but was recorded at 11:00, a correction at 12:00 voiding the first;
 * plus a liked answer (a fact and its award) that happened at 10:45 and was recorded at 11:15.
 */
const at = (hhmm: string) => Date.parse(`2026-11-22T${hhmm}:00Z`);

async function example(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  const append = async (events: WalletEvent[], ids: string[], recordedAtMs: number) =>
    store.append({
      walletId: 'w',
      lane: 0,
      expected: await store.head('w', 0),
      events: events.map((event, index) => ({ ...event, eventId: ids[index], recordedAtMs }) as never),
    });
  await append(
    [{ type: 'Deposited', data: { amountMinor: 10_000n, occurredAtMs: at('10:00') } }],
    ['d1'],
    at('10:00'),
  );
  await append(
    [{ type: 'Deposited', data: { amountMinor: 5_000n, occurredAtMs: at('09:30') } }],
    ['d2'],
    at('11:00'),
  );
  await append(
    [
      {
        type: 'FactRecorded',
        data: { factId: 'f1', factType: 'answer_is_liked', occurredAtMs: at('10:45'), data: {} },
      },
      {
        type: 'PointsAwarded',
        data: { factId: 'f1', ruleId: 'like', ruleSetVersion: 1, points: 250n },
      },
    ] as never,
    ['f1', 'a1'],
    at('11:15'),
  );
  await append(
    [
      {
        type: 'EventCorrected',
        data: {
          target: { eventId: 'd1', lane: 0, version: 1, type: 'Deposited' },
          action: 'void',
          reason: 'bounced',
        },
      },
    ],
    ['c1'],
    at('12:00'),
  );
  return store;
}

const ids = (events: readonly RecordedEvent[]) => events.map((event) => event.eventId);
const page = (limit = 50) => ({ limit, from: { lane: 0, version: 1 } });

describe('visibleAt and foldableAt', () => {
  it('cut by record time, by effective time, and by both', async () => {
    const log = await readWallet(await example(), 'w');
    expect(ids(visibleAt(log, { knownAtMs: at('10:30') }))).toEqual(['d1']);
    expect(ids(visibleAt(log, { asOfMs: at('10:15') }))).toEqual(['d1', 'd2', 'c1']);
    expect(ids(visibleAt(log, { asOfMs: at('10:15'), knownAtMs: at('11:30') }))).toEqual(['d1', 'd2']);
    expect(ids(visibleAt(log, { asOfMs: at('11:00') }))).toEqual(['d1', 'd2', 'f1', 'a1', 'c1']);
    // Listings keep versions; a fold gets each lane dense from 1, the correction's target with it.
    const folded = foldableAt(log, { asOfMs: at('10:15') });
    expect(folded.map((event) => event.version)).toEqual([1, 2, 3]);
    const correction = folded.find((event) => event.type === 'EventCorrected');
    expect(correction?.type === 'EventCorrected' && correction.data.target.version).toBe(1);
  });
});

describe('the listings at a cut', () => {
  it('lists the audit trail and its corrections as known then', async () => {
    const store = await example();
    const now = await walletLogAt(store, 'w', { asOfMs: at('10:15') });
    const trail = auditTrailAt(now ?? [], page());
    expect(ids(trail.items)).toEqual(['d1', 'd2', 'c1']);
    expect(trail.correctedBy.get('0:1')).toEqual(['c1']);
    const before = auditTrailAt(
      (await walletLogAt(store, 'w', { asOfMs: at('10:15'), knownAtMs: at('11:30') })) ?? [],
      page(),
    );
    expect(before.correctedBy.size).toBe(0);
    expect(await walletLogAt(store, 'w', { knownAtMs: at('09:00') })).toBeUndefined();
  });

  it('lists an award from when its fact happened, and pages between entries', async () => {
    const store = await example();
    expect(awardsAt((await walletLogAt(store, 'w', { asOfMs: at('10:30') })) ?? [], page()).items).toEqual(
      [],
    );
    const later = awardsAt((await walletLogAt(store, 'w', { asOfMs: at('11:00') })) ?? [], page());
    expect(later.items.map((entry) => [entry.award.data.points, entry.fact?.eventId])).toEqual([
      [250n, 'f1'],
    ]);
    expect(awardsAt((await walletLogAt(store, 'w', { knownAtMs: at('11:10') })) ?? [], page()).items).toEqual(
      [],
    );

    const paged = auditTrailAt((await walletLogAt(store, 'w', {})) ?? [], page(2));
    expect(ids(paged.items)).toEqual(['d1', 'd2']);
    expect(paged.next).toEqual({ lane: 0, version: 3 });
  });

  it('gives no account where none was opened by the cut', async () => {
    const store = await example();
    expect(
      await accountAt({ store, clock: { nowMs: () => at('13:00') } }, 'w', { asOfMs: at('12:00') }),
    ).toBeUndefined();
  });
});
