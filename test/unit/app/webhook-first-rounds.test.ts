/**
 * The payment webhook's first call in an instance new to the wallet (a cold start), its calls
 * counted in the rounds it waits on (as against a remote table): the provider event's key look-up
 * and the wallet's exact state (the whole log with lane 0's head, EventStore.walletAndHead) go out
 * together, then the append, which creates the key's item with the events: two waits. Before: the
 * key, the whole log (to find the payment), then lane 0's head and the log again, then the append.
 *
 * The guarantees stay: a provider event is applied at most once (a redelivery, even one racing the
 * first delivery, is answered from the key item or finds the payment settled; the same event id
 * with another payload is ignored), and the decision stands on the head its read found, so two
 * different events of one success racing each other credit the points once.
 */
import { describe, expect, it } from 'vitest';
import { gatedKeyLookups } from '../../support/gated-key-lookups.ts';
import { deliver, resigned, settle, webhookWorld as world } from '../../support/webhook-world.ts';

describe.each([true, false])('the payment webhook’s first call (group commit %s)', (groupCommit) => {
  // A lone lane-0 command takes group commit's batch path (appendGroup).
  const append = groupCommit ? 'appendGroup' : 'append';

  it('credits a purchase in two waits: the key and the state together, then the append', async () => {
    const { instance, paid, points } = world();
    const webhook = await paid('k1', 1_000n);
    const { deps, rounds } = instance(groupCommit);
    const first = await deliver(deps, webhook);
    expect(first).toMatchObject({ kind: 'applied', response: { statusCode: 200 } });
    expect(rounds()).toEqual([['findIdempotency', 'walletAndHead'], [append]]);
    // A redelivery, to this instance or another, answers as the first did; another payload under
    // the same event id is ignored. Nothing more is credited.
    if (first.kind !== 'applied') throw new Error(first.kind);
    const replayed = { kind: 'replayed', response: first.response };
    expect(await deliver(deps, webhook)).toEqual(replayed);
    expect(await deliver(instance(groupCommit).deps, webhook)).toEqual(replayed);
    const altered = resigned(webhook, (payload) => {
      payload.created = (payload.created as number) + 1;
    });
    expect(await deliver(instance(groupCommit).deps, altered)).toMatchObject({ kind: 'ignored' });
    expect(await points()).toBe(1_000n);
  });

  it('in an instance that folded the wallet before, reads the tail with the key: four waits', async () => {
    const { instance, paid, points } = world();
    const [one, two] = [await paid('k1', 1_000n), await paid('k2', 500n)];
    const { deps, rounds } = instance(groupCommit);
    await deliver(deps, one);
    const before = rounds().length;
    expect(await deliver(deps, two)).toMatchObject({ kind: 'applied' });
    // Lane 0's head goes with the key; then the lanes and the tail past the state cached. Before:
    // the key, the whole log (lanes, read), then (without group commit's carried state) head,
    // lanes and tail again: seven.
    expect(rounds().slice(before)).toEqual([['findIdempotency', 'head'], ['lanes'], ['read'], [append]]);
    expect(await points()).toBe(1_500n);
  });

  it('pays an order in three waits: the key and the buyer’s state, then the merchant’s, then both appended', async () => {
    const { instance, orderPaid } = world();
    const webhook = await orderPaid();
    const { deps, rounds } = instance(groupCommit);
    expect(await deliver(deps, webhook)).toMatchObject({ kind: 'applied' });
    // The merchant is known from the buyer's state only.
    expect(rounds()).toEqual([['findIdempotency', 'walletAndHead'], ['walletAndHead'], ['appendTogether']]);
    expect(await deliver(instance(groupCommit).deps, webhook)).toMatchObject({ kind: 'replayed' });
  });

  it('records a delivery racing its redelivery once, from two instances or in one', async () => {
    const { instance, paid, points, successes } = world();
    const one = await paid('k1', 1_000n);
    const [a, b] = [instance(groupCommit), instance(groupCommit)];
    // Both miss the key and read the payment pending; the loser's append meets the key item.
    const apart = await Promise.all([deliver(a.deps, one), deliver(b.deps, one)]);
    expect(apart.map((result) => result.kind).sort()).toEqual(['applied', 'replayed']);
    const two = await paid('k2', 500n);
    const { deps } = instance(groupCommit);
    const together = await Promise.all([deliver(deps, two), deliver(deps, two)]);
    // In one process the second may also decide after the first committed (group commit's carried
    // state): then it finds the event applied and changes nothing. Either way it answers success.
    expect(together.map((result) => result.kind)).toContain('applied');
    for (const result of together) {
      expect(result.kind).toMatch(/^(applied|replayed|unchanged)$/);
      expect(result).toMatchObject({
        response: { statusCode: 200, body: expect.stringContaining('"succeeded"') },
      });
    }
    expect(await successes()).toBe(2);
    expect(await points()).toBe(1_500n);
  });

  it('credits a success once when another of its events (another id) lands after the state was read', async () => {
    const { instance, paid, points, successes, depsOn, table } = world();
    const webhook = await paid('k1', 1_000n);
    const other = resigned(webhook, (payload) => {
      payload.id = `${String(payload.id)}-again`;
    });
    // The first delivery's key look-up is slow: its state read (the payment pending) is back, and
    // another instance applies the other event meanwhile.
    const slow = gatedKeyLookups(table, groupCommit);
    const first = deliver(depsOn(slow.store, groupCommit), webhook);
    await settle();
    expect(await deliver(instance(groupCommit).deps, other)).toMatchObject({ kind: 'applied' });
    slow.open();
    // Its append, conditioned on the head its read found, fails; it reads again: already settled.
    expect(await first).toMatchObject({ kind: 'unchanged', response: { statusCode: 200 } });
    expect(await successes()).toBe(1);
    expect(await points()).toBe(1_000n);
  });
});
