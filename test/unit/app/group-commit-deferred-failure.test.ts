import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { foldWallet, type WalletCommand, type WalletEvent } from '#domain/wallet.ts';
import {
  type AppendGroupRequest,
  type AppendTogetherGroupRequest,
  type StreamHead,
  VersionConflictError,
} from '#ports/event-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { twoWalletDeposits } from '../../support/lane-zero-writes.ts';

/**
 * A group-commit batch defers what does not fit its transaction to the next batch (back into the
 * queue). If the batch then fails before it writes anything (its append lost a race, and the read
 * after it failed: a throttled Query), its callers hear the error, as they would alone. A deferred
 * command was not in that batch: it must not hear the batch's error and then take effect in the
 * next batch anyway (its caller, told it failed, would send it again). Either it is answered by
 * what it did, or it did nothing. Found by the audit of stop 20; both cases fail on `4e54c62`.
 */

class Throttled extends Error {
  override readonly name = 'ThrottlingException';
}

/**
 * Group appends (one- and two-wallet) whose `loseAt`-th call loses a race (a TransactionConflict:
 * nothing written); the next head read after it is throttled (nothing read).
 */
class FailingAfterLostRace extends InMemoryGroupStore {
  private groupCalls = 0;
  private throttleNextHead = false;

  constructor(private readonly loseAt: number) {
    super();
  }

  private lose(walletId: string, expected: StreamHead): void {
    if (++this.groupCalls !== this.loseAt) return;
    this.throttleNextHead = true;
    throw new VersionConflictError(walletId, 0, expected.version, 'transaction-conflict');
  }

  override async head(walletId: string, lane: number): Promise<StreamHead> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.throttleNextHead) {
      this.throttleNextHead = false;
      throw new Throttled('rate exceeded');
    }
    return super.head(walletId, lane);
  }

  override async appendGroup(request: AppendGroupRequest) {
    await new Promise((resolve) => setImmediate(resolve));
    this.lose(request.walletId, request.expected);
    return super.appendGroup(request);
  }

  override async appendTogetherGroup(request: AppendTogetherGroupRequest) {
    await new Promise((resolve) => setImmediate(resolve));
    const [first] = request.heads;
    if (first) this.lose(first.walletId, first.expected);
    return super.appendTogetherGroup(request);
  }
}

const stampAs = (id: string) => (events: readonly WalletEvent[]) =>
  events.map((event, index) => ({ ...event, eventId: `${id}.${index}`, recordedAtMs: 1 }));

const deposit = (walletId: string): WalletCommand => ({
  type: 'Deposit',
  walletId,
  amountMinor: 1n,
  occurredAtMs: 1,
});

/** A lane-0 write of `events` deposits of 1 on w1 (a decider that decides that many): its size is chosen. */
const sized = (id: string, events: number): WalletWrite => ({
  walletId: 'w1',
  placement: 'lane-0',
  fold: foldWallet,
  indexes: indexChangesOf,
  decide: () =>
    Array.from(
      { length: events },
      () => ({ type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 } }) as WalletEvent,
    ),
  command: () => deposit('w1'),
  stamp: stampAs(id),
});

/** Long enough for anything still queued to run its batch (the store yields a turn per call). */
const drained = () => new Promise((resolve) => setTimeout(resolve, 100));

const idsOf = (store: InMemoryGroupStore, walletId: string) => [
  ...new Set(store.storedEvents(walletId).map((event) => event.eventId.split('.')[0])),
];

/** Each caller: what it heard, and whether its events are in the log. */
const heardAndWritten = (
  store: InMemoryGroupStore,
  walletId: string,
  ids: readonly string[],
  outcomes: readonly PromiseSettledResult<{ kind: string }>[],
) => {
  const written = new Set(idsOf(store, walletId));
  return ids.map((id, index) => {
    const outcome = outcomes[index] as PromiseSettledResult<{ kind: string }>;
    return {
      id,
      heard: outcome.status === 'fulfilled' ? outcome.value.kind : 'error',
      written: written.has(id),
    };
  });
};

describe('group commit: a batch that fails after deferring a command', () => {
  it('one wallet: the deferred command is not told of the batch’s error, and runs in the next batch', async () => {
    // The 2nd group append (the batch a, b; c deferred) loses a race, and the read after it fails.
    const store = new FailingAfterLostRace(2);
    const ids = ['first', 'a', 'b', 'c'];
    // 'first' runs at once; a, b, c wait. a and b (45 events each) fill the next batch; c waits.
    const outcomes = await Promise.allSettled([
      handleCommand({ store, groupCommit: true }, sized('first', 1)),
      handleCommand({ store, groupCommit: true }, sized('a', 45)),
      handleCommand({ store, groupCommit: true }, sized('b', 45)),
      handleCommand({ store, groupCommit: true }, sized('c', 45)),
    ]);
    await drained();
    const answers = heardAndWritten(store, 'w1', ids, outcomes);
    // a and b were in the failed transaction: they hear its error and nothing of them was written.
    expect(answers.slice(0, 3)).toEqual([
      { id: 'first', heard: 'recorded', written: true },
      { id: 'a', heard: 'error', written: false },
      { id: 'b', heard: 'error', written: false },
    ]);
    // c was not: it is answered by the batch it ran in.
    expect(answers[3]).toEqual({ id: 'c', heard: 'recorded', written: true });
    expect(store.storedEvents('w1')).toHaveLength(46);
    expect((await store.verify('w1')).ok).toBe(true);
  });

  it('two wallets: the deferred transfer is not told of the batch’s error, and runs in the next batch', async () => {
    // 'first' runs alone (no group append); the batch t1 (t2, t3 deferred) is the 1st and loses.
    const store = new FailingAfterLostRace(1);
    const transfer = (id: string, deposits: number) => twoWalletDeposits(store, id, deposits);
    const ids = ['first', 't1', 't2', 't3'];
    // 'first' runs alone; t1 and t2 (60 events each) cannot share the next batch: t2 and t3 are deferred.
    const outcomes = await Promise.allSettled([
      transfer('first', 1),
      transfer('t1', 30),
      transfer('t2', 30),
      transfer('t3', 1),
    ]);
    await drained();
    const answers = heardAndWritten(store, 'a', ids, outcomes);
    expect(answers.slice(0, 2)).toEqual([
      { id: 'first', heard: 'recorded', written: true },
      { id: 't1', heard: 'error', written: false },
    ]);
    expect(answers.slice(2)).toEqual([
      { id: 't2', heard: 'recorded', written: true },
      { id: 't3', heard: 'recorded', written: true },
    ]);
    expect((await store.verify('a')).ok).toBe(true);
    expect((await store.verify('b')).ok).toBe(true);
  });
});
