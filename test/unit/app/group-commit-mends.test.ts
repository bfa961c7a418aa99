import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { decide, foldWallet, type WalletCommand, type WalletEvent } from '#domain/wallet.ts';
import { useTracing } from '#observability/tracing.ts';
import type { AppendGroupRequest, AppendTogetherGroupRequest } from '#ports/event-store.ts';
import { noTracing, type TraceContext, type Tracing } from '#ports/tracing.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { twoWalletDeposits } from '../../support/lane-zero-writes.ts';

/** Review mends of group commit (group-commit.ts, group-commit-two.ts), one case each. */

class RecordingStore extends InMemoryGroupStore {
  groups: AppendGroupRequest[] = [];
  twoGroups: AppendTogetherGroupRequest[] = [];
  /** Yields to timers on every head read, so a batch that loops for ever cannot starve the test's timeout. */
  override async head(...args: Parameters<InMemoryGroupStore['head']>) {
    await new Promise((resolve) => setImmediate(resolve));
    return super.head(...args);
  }
  override async appendGroup(request: AppendGroupRequest) {
    this.groups.push(request);
    return super.appendGroup(request);
  }
  override async appendTogetherGroup(request: AppendTogetherGroupRequest) {
    this.twoGroups.push(request);
    return super.appendTogetherGroup(request);
  }
}

const deposit = (walletId: string, amount = 1n): WalletCommand & { type: 'Deposit' } => ({
  type: 'Deposit',
  walletId,
  amountMinor: amount,
  occurredAtMs: 1,
});

const stampAs = (id: string) => (events: readonly WalletEvent[]) =>
  events.map((event, index) => ({ ...event, eventId: `${id}.${index}`, recordedAtMs: 1 }));

const single = (id: string, command: WalletCommand): WalletWrite => ({
  walletId: 'w1',
  placement: 'lane-0',
  fold: foldWallet,
  indexes: indexChangesOf,
  decide,
  command: () => command,
  stamp: stampAs(id),
});

/** Settles within `ms`, or fails the test (a batch that defers for ever never settles). */
const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not settled in ${ms} ms`)), ms)),
  ]);

const idsOf = (store: InMemoryGroupStore, walletId: string) =>
  store.storedEvents(walletId).map((event) => event.eventId.split('.')[0]);

describe('group commit mends', () => {
  afterEach(() => {
    useTracing(noTracing);
  });

  it('runs a command too big for any transaction alone in its turn instead of deferring it for ever', async () => {
    const store = new RecordingStore();
    // 1 fact + 99 awards = 100 events: more than one transaction holds, with or without others.
    const big: WalletCommand = {
      type: 'RecordFact',
      walletId: 'w1',
      fact: { id: 'f', source: 's', type: 't', occurredAtMs: 1, dataJson: '{}' },
      ruleSetVersion: 1,
      awards: Array.from({ length: 99 }, (_, i) => ({ ruleId: `r${i}`, ruleTextHash: 'h', points: 1n })),
    };
    const outcomes = await within(
      3_000,
      Promise.allSettled([
        handleCommand({ store, groupCommit: true }, single('first', deposit('w1'))),
        handleCommand({ store, groupCommit: true }, single('big', big)),
        handleCommand({ store, groupCommit: true }, single('after', deposit('w1'))),
      ]),
    );
    // The big one fails as it would alone (the store refuses its append); the rest are recorded.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(idsOf(store, 'w1')).toEqual(['first', 'after']);
  });

  it('keeps arrival order in a two-wallet batch: once one command is deferred, every later one is too', async () => {
    const store = new RecordingStore();
    const transfer = (id: string, deposits: number) => twoWalletDeposits(store, id, deposits);
    // 'first' runs alone; t1 (60 events) fills the next batch so t2 (60) waits; t3 (2) would fit.
    const outcomes = await within(
      5_000,
      Promise.all([transfer('first', 1), transfer('t1', 30), transfer('t2', 30), transfer('t3', 1)]),
    );
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(4).fill('recorded'));
    const order = [...new Set(idsOf(store, 'a'))];
    expect(order).toEqual(['first', 't1', 't2', 't3']);
    // t2 and t3 shared the second batch.
    expect(store.twoGroups.map((request) => request.parts.length)).toEqual([1, 2]);
  });

  it("stamps each grouped command's events with its own caller's trace, not the one whose turn ran the batch", async () => {
    const active = new AsyncLocalStorage<TraceContext>();
    let spans = 0;
    const fake: Tracing = {
      span: (_name, options, work) => {
        spans++;
        const traceId = (options.parent?.traceparent.split('-')[1] ?? `${spans}`).padStart(32, '0');
        const spanId = `${spans}`.padStart(16, '0');
        return active.run({ traceparent: `00-${traceId}-${spanId}-01` }, work);
      },
      record: () => undefined,
      current: () => active.getStore(),
    };
    useTracing(fake);
    const store = new RecordingStore();
    const traces = await Promise.all(
      ['r0', 'r1', 'r2', 'r3'].map((id) =>
        fake.span(id, {}, async () => {
          const mine = fake.current()?.traceparent;
          await handleCommand({ store, groupCommit: true }, single(id, deposit('w1')));
          return [id, mine] as const;
        }),
      ),
    );
    // r0 ran at once in a transaction of its own; r1–r3 went in one group transaction drained in r0's turn.
    expect(store.groups.map((request) => request.parts.length)).toEqual([1, 3]);
    const stamped = new Map(
      store.groups
        .flatMap((request) => request.parts)
        .map((part) => [part.events[0]?.eventId.split('.')[0], part.events[0]?.traceparent]),
    );
    for (const [id, traceparent] of traces) {
      expect(traceparent).toMatch(/^00-[0-9]{32}-[0-9]{16}-01$/);
      expect(stamped.get(id)).toBe(traceparent);
    }
  });
});
