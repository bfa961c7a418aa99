import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '#app/cloud-event.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { scopedKey } from '#app/idempotency.ts';
import { type IngestDeps, ingestEvent } from '#app/ingest.ts';
import { type IngestSettled, ingestEvents } from '#app/ingest-batch.ts';
import { prng } from '../../../bench/prng.ts';
import { FaultyGroupStore, type GroupFaults } from '../../support/faulty-group-store.ts';
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

/**
 * Each id that was sent took effect exactly once, with the payload its key record names, every
 * answer agrees with that (a lost answer is heard as nothing), and every chain verifies.
 */
async function exactlyOnce(
  inner: InMemoryEventStore,
  sent: readonly { id: number }[],
  answers: readonly { id: number; variant: number; kind: string }[],
): Promise<void> {
  const delivered = new Set(sent.map(({ id }) => id));
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
    if (record === undefined || deposit?.type !== 'Deposited') throw new Error(`ce-${id}: no key record`);
    expect(record.eventIds).toEqual([deposit.eventId]);
    const winner = deposit.data.amountMinor === 100n ? 0 : 1;
    for (const answer of answers.filter((one) => one.id === id)) {
      const expected = answer.variant === winner ? ['recorded', 'replayed'] : ['key-reused'];
      expect(expected).toContain(answer.kind);
    }
    // At most one delivery heard 'recorded' (a lost answer is heard as nothing).
    expect(answers.filter((one) => one.id === id && one.kind === 'recorded').length).toBeLessThanOrEqual(1);
  }
  expect(inner.eventCount()).toBe(delivered.size);
}

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

        await exactlyOnce(inner, batches.flat(), answers);
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * The same ids reach the system by every path at once: SQS batches on two function instances
 * (each its own head cache and store handle, group commit on as composition enables it) and single
 * deliveries (the MSK trigger, POST /events: ingestEvent, through the command handler), all in
 * flight together, a message redelivered while its first delivery is still being handled. The
 * store fails at every await: a lost race, a throttled write or read, a commit whose answer is
 * lost (batch and single appends alike). Every delivery that did not settle is sent again (by
 * either path) until none is left. Then, as above, each id took effect once.
 */
describe('ingest by batch and by single event at once, on two instances', () => {
  it('each id takes effect once, with the payload its key names, whichever path and instance wrote it', async () => {
    const deliveryArb = fc.record({
      instance: fc.nat(1),
      single: fc.boolean(),
      events: fc.array(fc.record({ id: fc.nat(IDS - 1), variant: fc.nat(1) }), {
        minLength: 1,
        maxLength: 10,
      }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(deliveryArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        async (deliveries, seed) => {
          const inner = new InMemoryEventStore();
          const faults: GroupFaults = {
            random: prng(seed),
            conflict: 0.2,
            throttle: 0.05,
            readThrottle: 0.03,
            crashAfterCommit: 0.1,
            crashAfterAnyCommit: 0.1,
          };
          const base = busHarness().deps.ingest;
          let ids = 0;
          const instances = [0, 1].map((): IngestDeps => {
            const store = new FaultyGroupStore(inner, faults);
            enableGroupCommit(store);
            return { ...base, store, ids: { newId: () => `e-${++ids}` }, heads: new HeadCache() };
          });
          const answers: { id: number; variant: number; kind: string }[] = [];
          type Message = { id: number; variant: number };
          let queue = deliveries.map((delivery) => ({ ...delivery, events: [...delivery.events] }));
          for (let round = 0; queue.length > 0; round++) {
            if (round === 20)
              Object.assign(faults, {
                conflict: 0,
                throttle: 0,
                readThrottle: 0,
                crashAfterCommit: 0,
                crashAfterAnyCommit: 0,
              });
            expect(round).toBeLessThan(40);
            const again: Message[] = [];
            const settle = (message: Message, outcome: IngestSettled) => {
              if (!outcome.ok || outcome.outcome.kind === 'contended') again.push(message);
              else answers.push({ ...message, kind: outcome.outcome.kind });
            };
            await Promise.all(
              queue.map(async ({ instance, single, events }) => {
                const deps = instances[instance] as IngestDeps;
                if (!single) {
                  const results = await ingestEvents(
                    deps,
                    events.map(({ id, variant }) => ({ event: eventOf(id, variant) })),
                  );
                  for (const [index, result] of results.entries()) settle(events[index] as Message, result);
                  return;
                }
                await Promise.all(
                  events.map(async (message) => {
                    const outcome = await ingestEvent(deps, eventOf(message.id, message.variant)).then(
                      (settled): IngestSettled => ({ ok: true, outcome: settled }),
                      (error: unknown): IngestSettled => ({ ok: false, error }),
                    );
                    settle(message, outcome);
                  }),
                );
              }),
            );
            // Sent again by the other path, on the other instance, in batches of up to 10.
            queue = [];
            for (let from = 0; from < again.length; from += 10)
              queue.push({
                instance: round % 2,
                single: round % 3 === 0,
                events: again.slice(from, from + 10),
              });
          }
          await exactlyOnce(
            inner,
            deliveries.flatMap((delivery) => delivery.events),
            answers,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
