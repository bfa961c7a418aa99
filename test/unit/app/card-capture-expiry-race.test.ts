import { describe, expect, it } from 'vitest';
import { builtInDecisionRules } from '#app/default-decision-rules.ts';
import { sweepExpiries } from '#app/expiry-sweep.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { processStores } from '../../sim/process-stores.ts';
import { cardActor } from '../../support/card-actor.ts';
import { InMemoryEventStore } from '../../support/in-memory-event-store.ts';

/**
 * A card approval captured at the moment it expires, with group commit on (the local runtime, or
 * an instance serving several events): the capture and the expiry sweep's release are both lane-0
 * commands on the account, decided on the state the account's last batch left. In one process
 * they share the account's queue; in two (the sweep its own function), the one that appends
 * second loses the version and decides again. Whichever wins, the approval ends once and its money
 * moves once: captured (balance up, nothing pending) or released (nothing owed).
 */

const T0 = Date.parse('2026-12-07T10:00:00Z');
const TTL = 60_000;
const merchant = { id: 'm-1', mcc: '5942' };

function cardProcess(store: EventStore) {
  let ids = 0;
  const clock = { now: T0, nowMs: () => clock.now };
  const deps = {
    store,
    clock,
    ids: { newId: () => `id-${++ids}` },
    decisionRules: builtInDecisionRules,
    authorizationTtlMs: TTL,
  };
  const act = cardActor(deps);
  return { deps, clock, act };
}

const sweepAt = (store: EventStore, index: InMemoryEventStore['tradingIndex'], nowMs: number) =>
  sweepExpiries({
    store,
    expiries: index,
    clock: { nowMs: () => nowMs },
    ids: { newId: () => `s-${Math.random()}` },
  });

const money = (store: InMemoryEventStore) =>
  foldWallet(store.storedEvents('a1'), initialWalletState()).balances.money;

const endings = (store: InMemoryEventStore, holdId: string) =>
  store
    .storedEvents('a1')
    .filter(
      (event) =>
        (event.type === 'HoldReleased' || event.type === 'HoldCaptured') && event.data.holdId === holdId,
    );

describe('a card approval captured as it expires, with group commit on', () => {
  it.each([
    ['one process (the capture and the sweep share the account’s queue)', false],
    ['two processes (the sweep its own; each carries the state its last batch left)', true],
  ])('%s: it ends once, and its money moves once', async (_name, apart) => {
    let captures = 0;
    let releases = 0;
    for (let round = 0; round < 12; round++) {
      const shared = new InMemoryEventStore();
      const stores = processStores(shared, true);
      const cards = cardProcess(stores(0));
      const sweeper = apart ? stores(1) : stores(0);
      expect((await cards.act('open', { kind: 'open', creditLimit: 100_000n, currency: 'EUR' })).kind).toBe(
        'recorded',
      );
      // Two approvals: the second leaves the account's state carried by the cards process.
      const approved = [];
      for (const key of ['auth-1', 'auth-2']) {
        const outcome = await cards.act(key, { kind: 'authorize', amount: 1_000n, merchant });
        if (outcome.kind !== 'recorded') throw new Error(outcome.kind);
        approved.push(outcome.response.body);
      }
      const [target, other] = approved as [string, string];
      if (apart) {
        // The sweeper carries a state of its own too: it ended nothing yet, but read the account.
        expect(await sweepAt(sweeper, shared.tradingIndex, T0 + TTL - 1)).toEqual({
          expired: 0,
          ended: 0,
          left: 0,
        });
      }
      // The capture is sent a millisecond before the expiry, the sweep runs at it; the order in
      // which they reach the store varies with the round.
      cards.clock.now = T0 + TTL - 1;
      const capture = cards.act(`capture-${round}`, { kind: 'capture', authorizationId: target });
      const sweep = (async () => {
        for (let turn = 0; turn < round % 4; turn++) await new Promise((resolve) => setImmediate(resolve));
        return sweepAt(sweeper, shared.tradingIndex, T0 + TTL);
      })();
      const [captured, swept] = await Promise.all([capture, sweep]);
      const ended = endings(shared, target);
      expect(ended).toHaveLength(1);
      // The other approval was not captured: it expired, once.
      expect(endings(shared, other).map((event) => event.type)).toEqual(['HoldReleased']);
      const { balance, held } = money(shared);
      expect(held).toBe(0n);
      if (ended[0]?.type === 'HoldCaptured') {
        captures++;
        expect(captured.kind).toBe('recorded');
        expect(swept).toEqual({ expired: 1, ended: 1, left: 0 });
        expect(balance).toBe(-1_000n);
      } else {
        releases++;
        expect(captured).toMatchObject({ kind: 'rejected' });
        expect(swept).toEqual({ expired: 2, ended: 0, left: 0 });
        expect(balance).toBe(0n);
      }
      expect((await shared.verify('a1')).ok).toBe(true);
    }
    // Both orders were met.
    expect(captures).toBeGreaterThan(0);
    expect(releases).toBeGreaterThan(0);
  });
});
