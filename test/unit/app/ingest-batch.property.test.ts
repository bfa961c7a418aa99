import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '#app/cloud-event.ts';
import { HeadCache } from '#app/head-cache.ts';
import { scopedKey } from '#app/idempotency.ts';
import type { IngestDeps } from '#app/ingest.ts';
import { ingestEvents } from '#app/ingest-batch.ts';
import { FaultyGroupStore } from '../../support/faulty-group-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import { busHarness, cloudEvent } from '../ingest/helpers.ts';

/**
 * Exactly once, whatever the batches: SQS batches of CloudEvents (several per wallet, ids
 * delivered again, the same id with another payload, twins in one batch) through the batch ingest,
 * with injected transaction conflicts (one group fails), throttling (the whole transaction fails)
 * and lost answers after a commit; every message that did not settle is delivered again, until
 * the queue drains. Then each id took effect exactly once, with the payload its key record names,
 * every answer agrees with that, and every chain verifies.
 */

const IDS = 8;
const WALLETS = 3;
const amountOf = (variant: number) => `${variant + 1}.00`;
const eventOf = (id: number, variant: number): CloudEvent =>
  cloudEvent({
    id: `ce-${id}`,
    subject: `w-${id % WALLETS}`,
    type: 'wallet.deposit',
    data: { amount: amountOf(variant) },
  }) as unknown as CloudEvent;

const batchesArb = fc.array(
  fc.array(fc.record({ id: fc.nat(IDS - 1), variant: fc.nat(1) }), { minLength: 1, maxLength: 10 }),
  { minLength: 1, maxLength: 8 },
);

describe('ingestEvents: exactly once under faults', () => {
  it('each id takes effect once, with the payload its key names; answers agree; chains verify', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.integer({ min: 1, max: 2 ** 30 }), async (batches, seed) => {
        let state = seed;
        const random = () => {
          state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
          return state / 2 ** 31;
        };
        const inner = new InMemoryEventStore();
        const faults = { random, conflict: 0.2, throttle: 0.1, crashAfterCommit: 0.15 };
        const store = new FaultyGroupStore(inner, faults);
        const base = busHarness().deps.ingest;
        let ids = 0;
        const deps: IngestDeps = {
          ...base,
          store,
          ids: { newId: () => `e-${++ids}` },
          heads: new HeadCache(),
        };
        /** Every answer each id's deliveries got: 'recorded', 'replayed', 'key-reused' with the variant. */
        const answers: { id: number; variant: number; kind: string }[] = [];
        let queue = batches.map((batch) => [...batch]);
        for (let round = 0; queue.length > 0; round++) {
          if (round === 30) Object.assign(faults, { conflict: 0, throttle: 0, crashAfterCommit: 0 });
          expect(round).toBeLessThan(60);
          const again: { id: number; variant: number }[] = [];
          for (const batch of queue) {
            const results = await ingestEvents(
              deps,
              batch.map(({ id, variant }) => ({ event: eventOf(id, variant) })),
            );
            for (const [index, result] of results.entries()) {
              const message = batch[index] as { id: number; variant: number };
              if (!result.ok || result.outcome.kind === 'contended') again.push(message);
              else answers.push({ ...message, kind: result.outcome.kind });
            }
          }
          queue = again.length > 0 ? [again.slice(0, 10), again.slice(10)].filter((b) => b.length > 0) : [];
        }

        const delivered = new Set(batches.flat().map(({ id }) => id));
        for (let walletIndex = 0; walletIndex < WALLETS; walletIndex++) {
          const walletId = `w-${walletIndex}`;
          expect(await inner.verify(walletId)).toMatchObject({ ok: true });
        }
        for (const id of delivered) {
          const walletId = `w-${id % WALLETS}`;
          const deposits = inner
            .storedEvents(walletId)
            .filter((event) => event.type === 'Deposited' && event.data.factId === `ce-${id}`);
          expect(deposits).toHaveLength(1);
          const record = await inner.findIdempotency(scopedKey('event', 'qa-app', `ce-${id}`));
          const deposit = deposits[0];
          if (record === undefined || deposit?.type !== 'Deposited')
            throw new Error(`ce-${id}: no key record`);
          expect(record.eventIds).toEqual([deposit.eventId]);
          const winner = deposit.data.amountMinor === 100n ? 0 : 1;
          for (const answer of answers.filter((one) => one.id === id)) {
            const expected = answer.variant === winner ? ['recorded', 'replayed'] : ['key-reused'];
            expect(expected).toContain(answer.kind);
          }
          // At most one delivery heard 'recorded' (a lost answer is heard as nothing).
          expect(
            answers.filter((one) => one.id === id && one.kind === 'recorded').length,
          ).toBeLessThanOrEqual(1);
        }
        expect(inner.eventCount()).toBe(delivered.size);
      }),
      { numRuns: 60 },
    );
  });
});
