/**
 * A spend's first call in an instance new to its wallets (a cold start), its calls counted in the
 * rounds it waits on (as against a remote table): the legacy key's look-up and each wallet's exact
 * state (the whole log with lane 0's head, EventStore.walletAndHead) go out together, then the
 * append, which writes the scoped key item create-only: two waits, no scoped look-up first. Before:
 * the scoped and legacy keys, the legacy key again (a hold), lane 0's head, then the log (a hold:
 * five waits; a transfer: five or six).
 *
 * The guarantees stay: a used key answers as it did (from the key item the append meets, or before
 * a refusal: the funds the first try spent), a reused one with another body is refused, a
 * lane-0 event appended after the state was read makes the append fail and the command is decided
 * again (no overdraw), and a key's twin that committed first is answered from its record.
 */
import { describe, expect, it } from 'vitest';
import { type HoldAction, holdAction } from '#app/holds.ts';
import { type IdempotencyInput, scopeIdempotency } from '#app/idempotency.ts';
import type { EventStore } from '#ports/event-store.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { moneyTransfer } from '../../support/lane-zero-writes.ts';
import { Rounds } from '../../support/rounds.ts';

/** A table with w1 funded (100). */
const fundedTable = () => funded(new InMemoryGroupStore());

/** Another process on `table`: a store object of its own (the states it folds are its own). */
function instance(table: InMemoryGroupStore) {
  const rounds = new Rounds();
  return { store: rounds.remote(table as EventStore), rounds: () => rounds.list() };
}

const key = (text: string, payloadHash = 'h1'): IdempotencyInput =>
  scopeIdempotency({ namespace: 'holds', owner: 'client' }, text, payloadHash);

const place = (amount: bigint): HoldAction => ({
  kind: 'place',
  asset: 'money',
  amount,
  expiresInMs: 60_000,
});

let requests = 0;

function hold(store: EventStore, groupCommit: boolean, idempotency: IdempotencyInput, action: HoldAction) {
  const deps = {
    store,
    clock: { nowMs: () => 5 },
    // A fresh id per request, as in production: a retry decides a hold of another id.
    ids: { newId: () => `h${++requests}` },
    groupCommit,
  };
  return holdAction(
    deps,
    { walletId: 'w1', idempotency, respond: (_events, { holdId }) => ({ statusCode: 201, body: holdId }) },
    action,
  );
}

function send(store: EventStore, groupCommit: boolean, idempotency: IdempotencyInput, amount = 10n) {
  const deps = { store, clock: { nowMs: () => 5 }, ids: { newId: () => `t${++requests}` }, groupCommit };
  return moneyTransfer(deps, idempotency, amount);
}

describe.each([true, false])('a spend’s first call (group commit %s)', (groupCommit) => {
  // A lone lane-0 command takes group commit's batch path (appendGroup); a lone two-wallet one
  // runs alone (group-commit-two.ts).
  const append = groupCommit ? 'appendGroup' : 'append';

  it('places a hold in two waits: the key and the state together, then the append', async () => {
    const table = await fundedTable();
    const { store, rounds } = instance(table);
    const first = await hold(store, groupCommit, key('k1'), place(60n));
    if (first.kind !== 'recorded') throw new Error(`recorded, not ${first.kind}`);
    expect(rounds()).toEqual([['findIdempotency', 'walletAndHead'], [append]]);
    // A retry answers as the first did: the funds are gone (40 left), so the key is looked up
    // before the refusal; with the funds there (a smaller hold), the append meets the key item.
    const replayed = { kind: 'replayed', response: first.response };
    expect(await hold(instance(table).store, groupCommit, key('k1'), place(60n))).toEqual(replayed);
    expect(await hold(instance(table).store, groupCommit, key('k1'), place(10n))).toEqual(replayed);
    expect(await hold(instance(table).store, groupCommit, key('k1', 'other body'), place(60n))).toEqual({
      kind: 'key-reused',
    });
    expect(await hold(store, groupCommit, key('k1', 'other body'), place(10n))).toEqual({
      kind: 'key-reused',
    });
    expect((await table.head('w1', 0)).version).toBe(2);
  });

  it('sends a transfer’s two state reads with its key, then appends both: two waits', async () => {
    const table = await fundedTable();
    const { store, rounds } = instance(table);
    expect(await send(store, groupCommit, key('t1'))).toMatchObject({ kind: 'recorded' });
    expect(rounds()).toEqual([['findIdempotency', 'walletAndHead', 'walletAndHead'], ['appendTogether']]);
    // Retried: with the funds there (the append meets the key item), and without (looked up before the refusal).
    expect(await send(instance(table).store, groupCommit, key('t1'))).toMatchObject({ kind: 'replayed' });
    expect(await send(instance(table).store, groupCommit, key('t1'), 95n)).toMatchObject({
      kind: 'replayed',
    });
    expect(await send(instance(table).store, groupCommit, key('t1', 'other body'), 5n)).toMatchObject({
      kind: 'key-reused',
    });
    expect((await table.head('w1', 0)).version).toBe(2);
  });

  it('decides again when lane 0 moved after the state was read: two holds of 60 on 100, one refused', async () => {
    const table = await fundedTable();
    const [a, b] = [instance(table), instance(table)];
    const results = await Promise.all([
      hold(a.store, groupCommit, key('a'), place(60n)),
      hold(b.store, groupCommit, key('b'), place(60n)),
    ]);
    expect(results.map((result) => result.kind).sort()).toEqual(['recorded', 'rejected']);
    // Both read version 1 with their keys; the loser's append failed on it and it read again.
    expect((await table.head('w1', 0)).version).toBe(2);
  });

  it('never overdraws with transfers racing a hold from other instances', async () => {
    const table = await fundedTable();
    const [a, b, c] = [instance(table), instance(table), instance(table)];
    const results = await Promise.all([
      send(a.store, groupCommit, key('x'), 50n),
      send(b.store, groupCommit, key('y'), 50n),
      hold(c.store, groupCommit, key('z'), place(50n)),
    ]);
    expect(results.filter((result) => result.kind === 'recorded')).toHaveLength(2);
    expect(results.filter((result) => result.kind === 'rejected')).toHaveLength(1);
  });
});
