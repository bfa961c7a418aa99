import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCloudEvents } from '#app/publish.ts';
import { publishStoredEvents, type StoredEventKey } from '#app/publish-stream.ts';
import { cloudEventJson } from '#ports/event-bus.ts';
import type { NewEvent } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { must, RecordingBus } from './fixtures.ts';

const walletIds = fc.constantFrom('w1', 'w2', 'acct-3');
const newEvent = fc.oneof(
  fc.record({
    type: fc.constant('Deposited' as const),
    data: fc.record({ amountMinor: fc.bigInt({ min: 1n, max: 10n ** 17n }), occurredAtMs: fc.nat(2 ** 42) }),
  }),
  fc.record({
    type: fc.constant('PointsAwarded' as const),
    data: fc.record({
      points: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
      factId: fc.string({ minLength: 1, maxLength: 8 }),
      ruleId: fc.string({ minLength: 1, maxLength: 8 }),
      ruleSetVersion: fc.nat(100),
      ruleTextHash: fc.constant('h'),
    }),
  }),
);

describe('publishing is repeatable', () => {
  it('publishing any batch twice yields the same ids and the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(walletIds, newEvent), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(40), { maxLength: 60 }),
        async (appends, picks) => {
          const store = new InMemoryEventStore({ pageSize: 3 });
          const keys: StoredEventKey[] = [];
          for (const [index, [walletId, event]] of appends.entries()) {
            const outcome = await store.append({
              walletId,
              lane: 0,
              expected: await store.head(walletId, 0),
              events: [{ ...event, eventId: `id-${index}`, recordedAtMs: index * 1000 } as NewEvent],
            });
            if (outcome.kind === 'appended')
              keys.push(...outcome.events.map((e) => ({ walletId, lane: 0, version: e.version })));
          }
          // A stream batch: any records, repeated or missing, in any order.
          const batch = picks.map((pick) => must(keys[pick % keys.length]));
          const first = new RecordingBus();
          const second = new RecordingBus();
          await publishStoredEvents({ events: store, bus: first, source: 'tally/p' }, batch);
          await publishStoredEvents({ events: store, bus: second, source: 'tally/p' }, [...batch].reverse());
          expect(second.ids).toEqual(first.ids);
          expect(new Set(first.ids).size).toBe(first.ids.length);
          expect(second.calls.flat().map(cloudEventJson)).toEqual(first.calls.flat().map(cloudEventJson));
          const stored = [];
          for (const walletId of ['w1', 'w2', 'acct-3'])
            for await (const page of store.read(walletId, 0)) stored.push(...page);
          expect(
            toCloudEvents(stored, { source: 'x' })
              .map((e) => e.id)
              .sort(),
          ).toEqual(appends.map((_, index) => `id-${index}`).sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});
