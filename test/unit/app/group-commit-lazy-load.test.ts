import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WalletWrite } from '#app/write-outcome.ts';
import { decide, foldWallet, type WalletCommand } from '#domain/wallet.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * Group commit's batch path (app/group-commit-batch.ts) is loaded with `import()` on a process's
 * first batch, and deposit's and ingest's group append (composition/lazy-group.ts) with its first
 * call. A load that fails mid-batch (the chunk cannot be read) must fail only the callers of that
 * batch, with nothing written, and be tried again by the next batch: never remembered, never a
 * command written for a caller told it failed.
 */

const deposit = (walletId: string): WalletCommand => ({
  type: 'Deposit',
  walletId,
  amountMinor: 1n,
  occurredAtMs: 1,
});

const credit = (id: string): WalletWrite => ({
  walletId: 'w1',
  placement: 'any-lane',
  startedAtMs: Date.now(),
  indexes: () => [],
  decide,
  command: () => deposit('w1'),
  stamp: (events) => events.map((event) => ({ ...event, eventId: id, recordedAtMs: 1 })),
});

const spend = (id: string): WalletWrite => ({
  walletId: 'w1',
  placement: 'lane-0',
  fold: foldWallet,
  indexes: () => [],
  decide,
  command: () => deposit('w1'),
  stamp: (events) => events.map((event) => ({ ...event, eventId: id, recordedAtMs: 1 })),
});

const statusOf = (outcomes: PromiseSettledResult<{ kind: string }>[]) =>
  outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.kind : 'error'));

const ids = (store: InMemoryEventStore) =>
  store
    .storedEvents('w1')
    .map((event) => event.eventId)
    .sort();

describe('group commit: the batch path loaded on first use', () => {
  afterEach(() => {
    vi.doUnmock('#app/group-commit-batch.ts');
    vi.doUnmock('#adapters/dynamodb/append-group.ts');
    vi.resetModules();
  });

  /** The command handler of a fresh process whose batch path fails to load the first time. */
  async function processWithFlakyBatchPath() {
    const actual = await vi.importActual<typeof import('#app/group-commit-batch.ts')>(
      '#app/group-commit-batch.ts',
    );
    const loads = { count: 0 };
    vi.resetModules();
    vi.doMock('#app/group-commit-batch.ts', () => {
      loads.count++;
      if (loads.count === 1) throw new Error('chunk unreadable');
      return actual;
    });
    const { handleCommand } = await import('#app/command-handler.ts');
    return { handleCommand, loads };
  }

  it('credits: a batch whose path fails to load fails its callers only, writes nothing, and the next batch loads it', async () => {
    const { handleCommand, loads } = await processWithFlakyBatchPath();
    const store = new InMemoryEventStore();
    const deps = { store, groupCommit: true };
    // The first runs alone (no batch path); the two waiting behind it are the first batch.
    const first = await Promise.allSettled([
      handleCommand(deps, credit('a0')),
      handleCommand(deps, credit('a1')),
      handleCommand(deps, credit('a2')),
    ]);
    expect(statusOf(first)).toEqual(['recorded', 'error', 'error']);
    expect(ids(store)).toEqual(['a0']);
    const second = await Promise.allSettled([
      handleCommand(deps, credit('b0')),
      handleCommand(deps, credit('b1')),
      handleCommand(deps, credit('b2')),
    ]);
    expect(statusOf(second)).toEqual(['recorded', 'recorded', 'recorded']);
    expect(ids(store)).toEqual(['a0', 'b0', 'b1', 'b2']);
    expect(loads.count).toBe(2);
    expect((await store.verify('w1')).ok).toBe(true);
  });

  it('lane 0: a lone command whose batch path fails to load hears the error, writes nothing, and the next one loads it', async () => {
    const { handleCommand, loads } = await processWithFlakyBatchPath();
    const store = new InMemoryEventStore();
    const deps = { store, groupCommit: true };
    await expect(handleCommand(deps, spend('s0'))).rejects.toThrow();
    expect(ids(store)).toEqual([]);
    expect(await handleCommand(deps, spend('s1'))).toMatchObject({ kind: 'recorded' });
    expect(ids(store)).toEqual(['s1']);
    expect(loads.count).toBe(2);
  });

  it("deposit and ingest's group append: a failed first load is tried again by the next call", async () => {
    const loads = { count: 0 };
    const appendGroup = vi.fn(async () => ({ kind: 'appended', parts: [], head: { version: 0, hash: '' } }));
    vi.resetModules();
    vi.doMock('#adapters/dynamodb/append-group.ts', () => {
      loads.count++;
      if (loads.count === 1) throw new Error('chunk unreadable');
      return { appendGroup };
    });
    const { GROUP_ON_FIRST_BATCH } = await import('#composition/lazy-group.ts');
    const call = GROUP_ON_FIRST_BATCH.appendGroup as (...args: unknown[]) => Promise<unknown>;
    await expect(call('client', 'table', { walletId: 'w1' })).rejects.toThrow();
    expect(appendGroup).not.toHaveBeenCalled();
    await expect(call('client', 'table', { walletId: 'w1' })).resolves.toMatchObject({ kind: 'appended' });
    expect(appendGroup).toHaveBeenCalledTimes(1);
    expect(loads.count).toBe(2);
  });
});
