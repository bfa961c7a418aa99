import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctAndShow, type ShownCorrection } from '#app/corrections.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { HeadCache } from '#app/head-cache.ts';
import type { ThresholdConfig } from '#domain/threshold.ts';
import { foldWallet, initialWalletState, type RecordedEvent, type WalletCommand } from '#domain/wallet.ts';
import { rebuildView, type WalletView } from '#domain/wallet-view.ts';
import type { EventStore, NewEvent, StreamHead } from '#ports/event-store.ts';
import { prng } from '../../../bench/prng.ts';
import { sameView, viewDiff } from '../../sim/ops.ts';
import { FaultyGroupStore } from '../../support/faulty-group-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';
import {
  correctionsOn,
  depositOf,
  laneZeroWrite,
  moneyHold,
  voidOrAmend,
} from '../../support/lane-zero-writes.ts';

/**
 * review6: the property of correction-races-spends.test.ts, with the route's use case
 * (correctAndShow: early whole-log read handed as firstState, views folded from it) instead of
 * correctEvent, plus credits landing in hot lanes meanwhile, and checks on the views answered.
 */
const WALLET = 'w1';
const CONFIG: ThresholdConfig = { thresholdMinor: 250n, windowMs: 120_000, retainMax: 2 };

const lane0 = (id: string, command: WalletCommand) => laneZeroWrite(WALLET, id, command);

class FaultyWithWholeLog extends FaultyGroupStore {
  constructor(
    private readonly table: InMemoryEventStore,
    faults: ConstructorParameters<typeof FaultyGroupStore>[1],
    private readonly random: () => number,
  ) {
    super(table, faults);
  }
  async walletAndHead(walletId: string): Promise<{ events: RecordedEvent[]; head: StreamHead }> {
    const turns = Math.floor(this.random() * 3);
    for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
    return this.table.walletAndHead(walletId);
  }
}

async function hotDeposit(store: InMemoryEventStore, lane: number, id: string, amount: bigint, atMs: number) {
  for (;;) {
    const event: NewEvent = {
      type: 'Deposited',
      data: { amountMinor: amount, occurredAtMs: atMs },
      eventId: id,
      recordedAtMs: atMs,
    };
    try {
      const outcome = await store.append({
        walletId: WALLET,
        lane,
        expected: await store.head(WALLET, lane),
        events: [event],
      });
      if (outcome.kind === 'appended') return;
    } catch {
      // lost the lane's race: again
    }
  }
}

function foldOfClaimed(log: readonly RecordedEvent[], view: WalletView): WalletView {
  return rebuildView(
    WALLET,
    log.filter((event) => event.version <= (view.lanes[event.lane] ?? 0)),
    CONFIG,
  );
}

describe('review6: correctAndShow racing holds (group commit) and hot-lane credits', () => {
  it('keeps available >= 0 and answers views that are folds of what they claim', async () => {
    type Op =
      | { kind: 'hold'; amount: number; process: number }
      | { kind: 'credit'; lane: number; amount: number }
      | { kind: 'correct'; target: number; amount: number | null };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('hold' as const),
          amount: fc.integer({ min: 20, max: 160 }),
          process: fc.nat(1),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('credit' as const),
          lane: fc.constantFrom(33, 34),
          amount: fc.integer({ min: 1, max: 30 }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('correct' as const),
          target: fc.nat(3),
          amount: fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }),
        }),
      },
    );
    let refusedBelowFloor = 0;
    let recorded = 0;
    let joinedOrLost = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 16 }), fc.integer(), async (ops, seed) => {
        const inner = new InMemoryEventStore({ pageSize: 2 });
        for (const [index, amount] of [100n, 100n, 100n].entries()) {
          await handleCommand(
            { store: inner, groupCommit: false },
            lane0(`d${index}`, depositOf(WALLET, amount)),
          );
        }
        await hotDeposit(inner, 33, 'd3', 100n, 10);
        const random = prng(seed);
        const faults = { random, conflict: 0.2, throttle: 0 };
        const processes = [0, 1].map(() => {
          const store = new FaultyWithWholeLog(inner, faults, random);
          enableGroupCommit(store);
          return { store, heads: new HeadCache() };
        });
        for (const [index, process] of processes.entries())
          await handleCommand(process, lane0(`warm${index}`, moneyHold(WALLET, `warm${index}`, 1n)));
        const corrections = {
          ...correctionsOn(processes[0]?.store as EventStore),
          readModels: inner,
          config: CONFIG,
        };
        const outcomes = await Promise.all(
          ops.map(
            async (
              op,
              index,
            ): Promise<ShownCorrection | { kind: string; error?: { code: string } } | undefined> => {
              if (op.kind === 'hold')
                return handleCommand(
                  processes[op.process] as (typeof processes)[0],
                  lane0(`h${index}`, moneyHold(WALLET, `h${index}`, BigInt(op.amount))),
                );
              if (op.kind === 'credit') {
                await hotDeposit(inner, op.lane, `c${index}`, BigInt(op.amount), 10 + index);
                return undefined;
              }
              return correctAndShow(corrections, voidOrAmend(WALLET, op.target, op.amount));
            },
          ),
        );
        const log = inner.storedEvents(WALLET);
        for (const outcome of outcomes) {
          if (outcome === undefined) continue;
          if (outcome.kind === 'rejected' && outcome.error?.code === 'correction_below_floor')
            refusedBelowFloor++;
          if (outcome.kind !== 'recorded' && outcome.kind !== 'unchanged') continue;
          if (!('before' in outcome)) continue;
          recorded += outcome.kind === 'recorded' ? 1 : 0;
          for (const [name, view] of [
            ['before', outcome.before],
            ['after', outcome.after],
          ] as const) {
            const fold = foldOfClaimed(log, view);
            if (!sameView(view, fold))
              throw new Error(`${name} is not the fold of what it claims: ${viewDiff(view, fold)}`);
          }
          if (outcome.kind === 'recorded') {
            expect(outcome.after.lanes[0] ?? 0).toBeGreaterThanOrEqual(outcome.correction.version);
            if ((outcome.after.lanes[0] ?? 0) !== outcome.correction.version + outcome.adjustments.length)
              joinedOrLost++;
          }
        }
        const laneZero = log.filter((event) => event.lane === 0);
        const hot = log.filter((event) => event.lane !== 0);
        for (let end = 1; end <= laneZero.length; end++) {
          const { balance, held } = foldWallet([...hot, ...laneZero.slice(0, end)], initialWalletState())
            .balances.money;
          expect(held).toBeLessThanOrEqual(balance);
        }
        expect((await inner.verify(WALLET)).ok).toBe(true);
      }),
      { numRuns: 150 },
    );
    console.log({ refusedBelowFloor, recorded, joinedOrLost });
    expect(refusedBelowFloor).toBeGreaterThan(10);
  });
});
