import { describe, expect, it } from 'vitest';
import { handleCommand, LANE0_ATTEMPTS_MAX } from '#app/command-handler.ts';
import { HeadCache } from '#app/head-cache.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { DomainError } from '#domain/errors.ts';
import { decide, foldWallet, type WalletCommand, type WalletEvent } from '#domain/wallet.ts';
import { type AppendRequest, VersionConflictError } from '#ports/event-store.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

const stamp = (events: readonly WalletEvent[]) =>
  events.map((event, index) => ({ ...event, eventId: `new-${index}`, recordedAtMs: 5 }));

/** What every write here takes besides its wallet and command (decide() and its index changes). */
const lane0 = { placement: 'lane-0' as const, fold: foldWallet, decide, indexes: indexChangesOf, stamp };
const anyLane = { placement: 'any-lane' as const, startedAtMs: 1, decide, indexes: indexChangesOf, stamp };
const voidFirst: WalletCommand = {
  type: 'Correct',
  walletId: 'w1',
  reference: 'd-1',
  action: 'void',
  reason: 'duplicate',
  correctionId: 'cor-1',
};

async function walletWithOneDeposit(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  await store.append({
    walletId: 'w1',
    lane: 0,
    expected: { version: 0, hash: '' },
    events: [
      { type: 'Deposited', data: { amountMinor: 100n, occurredAtMs: 1 }, eventId: 'd-1', recordedAtMs: 1 },
    ],
  });
  return store;
}

describe('handleCommand: lane 0', () => {
  it('decides against the folded log and appends after lane 0 head', async () => {
    const store = await walletWithOneDeposit();
    const outcome = await handleCommand({ store }, { walletId: 'w1', ...lane0, command: () => voidFirst });
    expect(outcome.kind).toBe('recorded');
    if (outcome.kind !== 'recorded') return;
    expect(outcome.state.balances.money.balance).toBe(100n);
    expect(outcome.events.map((event) => [event.type, event.lane, event.version])).toEqual([
      ['EventCorrected', 0, 2],
    ]);
  });

  it('answers unchanged and writes nothing when the decider decides nothing', async () => {
    const store = await walletWithOneDeposit();
    await handleCommand({ store }, { walletId: 'w1', ...lane0, command: () => voidFirst });
    const again = await handleCommand({ store }, { walletId: 'w1', ...lane0, command: () => voidFirst });
    expect(again.kind).toBe('unchanged');
    expect(store.eventCount()).toBe(2);
  });

  it('passes a rejection through, from the decider or from the command builder, writing nothing', async () => {
    const store = await walletWithOneDeposit();
    const fromDecide = await handleCommand(
      { store },
      {
        walletId: 'w1',
        placement: 'lane-0',
        fold: foldWallet,
        indexes: indexChangesOf,
        decide,
        command: () => ({ ...voidFirst, reference: 'nope' }),
        stamp,
      },
    );
    expect(fromDecide).toMatchObject({ kind: 'rejected', error: { code: 'event_not_found' } });
    const fromBuilder = await handleCommand(
      { store },
      {
        walletId: 'w1',
        placement: 'lane-0',
        fold: foldWallet,
        indexes: indexChangesOf,
        decide,
        command: () => new DomainError('rule_set_missing', 'Rule set version 9 is not stored.'),
        stamp,
      },
    );
    expect(fromBuilder).toMatchObject({ kind: 'rejected', error: { code: 'rule_set_missing' } });
    expect(store.eventCount()).toBe(1);
  });

  it("decides with the write's decider (a use case passes its family's), alone or in a group", async () => {
    for (const groupCommit of [false, true]) {
      const store = await walletWithOneDeposit();
      const asked: [WalletCommand, bigint][] = [];
      const outcome = await handleCommand(
        { store, groupCommit },
        {
          walletId: 'w1',
          placement: 'lane-0',
          fold: foldWallet,
          indexes: indexChangesOf,
          decide: (command: WalletCommand, state) => {
            asked.push([command, state.balances.money.balance]);
            return new DomainError('not_correctable', 'this decider refuses everything');
          },
          command: () => voidFirst,
          stamp,
        },
      );
      expect(outcome).toMatchObject({ kind: 'rejected', error: { code: 'not_correctable' } });
      expect(asked).toEqual([[voidFirst, 100n]]);
      expect(store.eventCount()).toBe(1);
    }
  });

  it('re-reads and decides again after a lost race, at most LANE0_ATTEMPTS_MAX times, then is contended', async () => {
    const store = await walletWithOneDeposit();
    const attempts: AppendRequest[] = [];
    let builds = 0;
    const losing = Object.assign(Object.create(store) as InMemoryEventStore, {
      append: async (request: AppendRequest) => {
        attempts.push(request);
        throw new VersionConflictError('w1', 0, request.expected.version, 'version-taken');
      },
    });
    const outcome = await handleCommand(
      { store: losing },
      {
        walletId: 'w1',
        placement: 'lane-0',
        fold: foldWallet,
        indexes: indexChangesOf,
        decide,
        command: () => {
          builds++;
          return voidFirst;
        },
        stamp,
      },
    );
    expect(outcome).toMatchObject({ kind: 'contended', conflicts: LANE0_ATTEMPTS_MAX });
    expect(builds).toBe(LANE0_ATTEMPTS_MAX);
    expect(attempts.every((request) => request.lane === 0 && request.expected.version === 1)).toBe(true);
    expect(store.eventCount()).toBe(1);
  });

  it('never uses the instance head cache for lane-0 writes', async () => {
    const store = await walletWithOneDeposit();
    const heads = new HeadCache();
    heads.remember('w1', { lane: 5, head: { version: 40, hash: 'x' } });
    const outcome = await handleCommand(
      { store, heads },
      { walletId: 'w1', ...lane0, command: () => voidFirst },
    );
    expect(outcome.kind === 'recorded' && outcome.events[0]?.lane).toBe(0);
  });
});

describe('handleCommand: any lane', () => {
  const deposit: WalletCommand = { type: 'Deposit', walletId: 'w9', amountMinor: 5n, occurredAtMs: 1 };
  const noPause = {
    attemptsMax: 30,
    backoffBaseMs: 1,
    backoffCapMs: 1,
    sleep: async () => {},
    random: () => 0.5,
  };

  it("keeps a wallet's first event in lane 0 through conflicts with no winner, so jobs find the wallet", async () => {
    const store = new InMemoryEventStore();
    const attempts: AppendRequest[] = [];
    let failures = 4;
    const flaky = Object.assign(Object.create(store) as InMemoryEventStore, {
      append: async (request: AppendRequest) => {
        attempts.push(request);
        if (failures-- > 0) {
          // DynamoDB's TransactionConflict: cancelled, and no rival event was written.
          throw new VersionConflictError(
            'w9',
            request.lane,
            request.expected.version,
            'transaction-conflict',
          );
        }
        return store.append(request);
      },
    });
    const outcome = await handleCommand(
      { store: flaky, retry: noPause, heads: new HeadCache() },
      { walletId: 'w9', ...anyLane, command: () => deposit },
    );
    expect(outcome.kind).toBe('recorded');
    expect(attempts.map((request) => request.lane)).toEqual([0, 0, 0, 0, 0]);
    const listed = await store.walletIds({ segment: 0, segments: 1, cursor: null });
    expect(listed.walletIds).toEqual(['w9']);
  });

  it('moves to another lane after two losses in a row to rivals once lane 0 has events', async () => {
    const store = new InMemoryEventStore();
    // An existing wallet (a new wallet's first-event race moves at the first loss: deposit.test.ts).
    await store.append({
      walletId: 'w9',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        { type: 'Deposited', data: { amountMinor: 1n, occurredAtMs: 1 }, eventId: 'first', recordedAtMs: 1 },
      ],
    });
    const attempts: AppendRequest[] = [];
    let rivals = 2;
    const racing = Object.assign(Object.create(store) as InMemoryEventStore, {
      append: async (request: AppendRequest) => {
        attempts.push(request);
        if (request.lane === 0 && rivals-- > 0) {
          // A rival deposit takes the version first: the conflict names the winner.
          await store.append({
            walletId: 'w9',
            lane: 0,
            expected: request.expected,
            events: [
              {
                type: 'Deposited',
                data: { amountMinor: 1n, occurredAtMs: 1 },
                eventId: `r-${rivals}`,
                recordedAtMs: 5,
              },
            ],
          });
        }
        return store.append(request);
      },
    });
    const outcome = await handleCommand(
      { store: racing, retry: noPause, heads: new HeadCache() },
      { walletId: 'w9', ...anyLane, command: () => deposit },
    );
    expect(outcome.kind === 'recorded' && outcome.events[0]?.lane).toBeGreaterThan(0);
    expect(attempts.slice(0, 2).map((request) => request.lane)).toEqual([0, 0]);
  });
});
