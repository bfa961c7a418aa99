import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctEvent } from '#app/corrections.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { HeadCache } from '#app/head-cache.ts';
import { foldWallet, initialWalletState, type WalletCommand } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { prng } from '../../../bench/prng.ts';
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
 * A correction is appended alone (command-alone.ts), or, since stop 20, joins its wallet's queue
 * when this process is group-committing that wallet at that moment (group-commit-join.ts; in the
 * property below about 6 corrections in 10 join, the rest run alone: both paths are exercised).
 * Holds in the same process go through group commit, which decides on the state the wallet's last batch left
 * (group-commit-carry.ts) without reading. A correction that takes money back must never let a
 * spend decided on the state before it through, and a spend must never let a correction take the
 * wallet below its floor (correction_below_floor): both are lane 0, so the later one's append fails
 * on the earlier one's version and it decides again on a state that holds it.
 */

const WALLET = 'w1';

const lane0 = (id: string, command: WalletCommand) => laneZeroWrite(WALLET, id, command);
const deposit = (amount: bigint) => depositOf(WALLET, amount);
const hold = (holdId: string, amount: bigint) => moneyHold(WALLET, holdId, amount);
const correctionDeps = correctionsOn;

const money = (store: InMemoryEventStore) =>
  foldWallet(store.storedEvents(WALLET), initialWalletState()).balances.money;

describe('a correction (alone) racing holds (group commit, carried state) in one process', () => {
  it('a hold decided after a correction took money back is refused, though the carried state predates it', async () => {
    const store = new InMemoryEventStore();
    enableGroupCommit(store);
    const deps = { store, heads: new HeadCache() };
    expect((await handleCommand(deps, lane0('d1', deposit(100n)))).kind).toBe('recorded');
    // A batch leaves its state (balance 100, held 10) to the next one on this wallet.
    expect((await handleCommand(deps, lane0('h1', hold('h1', 10n)))).kind).toBe('recorded');
    const corrected = await correctEvent(correctionDeps(store), {
      walletId: WALLET,
      reference: 'd1',
      action: 'amend',
      reason: 'was 30',
      amend: { amountMinor: 30n },
    });
    expect(corrected.kind).toBe('recorded');
    // The carried state says 90 available; there are 20.
    const late = await handleCommand(deps, lane0('h2', hold('h2', 50n)));
    expect(late).toMatchObject({ kind: 'rejected', error: { code: 'insufficient_funds' } });
    expect(money(store)).toMatchObject({ balance: 30n, held: 10n });
  });

  it('a correction decided after a hold (committed by a batch) is refused below the floor', async () => {
    const store = new InMemoryEventStore();
    enableGroupCommit(store);
    const deps = { store, heads: new HeadCache() };
    expect((await handleCommand(deps, lane0('d1', deposit(100n)))).kind).toBe('recorded');
    const corrections = correctionDeps(store);
    // The correction reads the log once (its state is cached per instance), then the hold lands.
    expect(
      (
        await correctEvent(corrections, {
          walletId: WALLET,
          reference: 'd1',
          action: 'amend',
          reason: 'a',
          amend: { amountMinor: 99n },
        })
      ).kind,
    ).toBe('recorded');
    expect((await handleCommand(deps, lane0('h1', hold('h1', 80n)))).kind).toBe('recorded');
    const refused = await correctEvent(corrections, {
      walletId: WALLET,
      reference: 'd1',
      action: 'amend',
      reason: 'b',
      amend: { amountMinor: 50n },
    });
    expect(refused).toMatchObject({ kind: 'rejected', error: { code: 'correction_below_floor' } });
    expect(money(store)).toMatchObject({ balance: 99n, held: 80n });
  });

  it('any interleaving of holds (two processes, group commit) and corrections (alone) with lost races keeps available ≥ 0', async () => {
    type Op =
      | { kind: 'hold'; amount: number; process: number }
      | { kind: 'correct'; target: number; amount: number | null };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('hold' as const),
        amount: fc.integer({ min: 1, max: 120 }),
        process: fc.nat(1),
      }),
      fc.record({
        kind: fc.constant('correct' as const),
        target: fc.nat(2),
        // null: void the deposit.
        amount: fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }),
      }),
    );
    let refusedBelowFloor = 0;
    let refusedHolds = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 16 }), fc.integer(), async (ops, seed) => {
        const inner = new InMemoryEventStore();
        for (const [index, amount] of [100n, 100n, 100n].entries()) {
          await handleCommand({ store: inner, groupCommit: false }, lane0(`d${index}`, deposit(amount)));
        }
        const faults = { random: prng(seed), conflict: 0.2, throttle: 0 };
        const processes = [0, 1].map(() => {
          const store = new FaultyGroupStore(inner, faults);
          enableGroupCommit(store);
          return { store, heads: new HeadCache() };
        });
        // Each process has a carried state before the race.
        for (const [index, process] of processes.entries())
          await handleCommand(process, lane0(`warm${index}`, hold(`warm${index}`, 1n)));
        const corrections = correctionDeps(processes[0]?.store as EventStore);
        const outcomes = await Promise.all(
          ops.map((op, index) =>
            op.kind === 'hold'
              ? handleCommand(
                  processes[op.process] as (typeof processes)[0],
                  lane0(`h${index}`, hold(`h${index}`, BigInt(op.amount))),
                )
              : correctEvent(corrections, voidOrAmend(WALLET, op.target, op.amount)),
          ),
        );
        for (const outcome of outcomes) {
          if (outcome.kind !== 'rejected') continue;
          if (outcome.error.code === 'correction_below_floor') refusedBelowFloor++;
          if (outcome.error.code === 'insufficient_funds') refusedHolds++;
        }
        // Every lane-0 prefix of the log (each decision's point) keeps available at or above 0.
        const log = inner.storedEvents(WALLET);
        for (let end = 1; end <= log.length; end++) {
          const { balance, held } = foldWallet(log.slice(0, end), initialWalletState()).balances.money;
          expect(held).toBeLessThanOrEqual(balance);
        }
        expect((await inner.verify(WALLET)).ok).toBe(true);
      }),
      { numRuns: 150 },
    );
    // Both guards were met, not just passed by.
    expect(refusedBelowFloor).toBeGreaterThan(10);
    expect(refusedHolds).toBeGreaterThan(10);
  });
});
