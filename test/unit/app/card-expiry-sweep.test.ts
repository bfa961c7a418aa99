import { describe, expect, it } from 'vitest';
import { accountBalance } from '#domain/card/statement.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import { cardExpiryWorld } from '../../support/card-expiry-world.ts';

const T0 = 1_000_000;
const TTL = 60_000;
function world() {
  const w = cardExpiryWorld({ startMs: T0, ttlMs: TTL, groupCommit: false });
  return { ...w, pendingLogged: w.held };
}

const merchant = { id: 'm1', mcc: '5942' };

describe('card approvals expire by an event: the expiry sweep releases them', () => {
  it('an approval not captured by its expiry is released (HoldReleased, expired) without a request', async () => {
    const w = world();
    await w.act({ kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
    const authorizationId = await w.act({ kind: 'authorize', amount: 2_500n, merchant });
    expect(w.pendingLogged()).toBe(2_500n);
    // Not due yet: the sweep leaves it.
    w.clock.now = T0 + TTL - 1;
    expect((await w.sweep()).expired).toBe(0);
    expect(w.released()).toHaveLength(0);
    w.clock.now = T0 + TTL;
    expect(await w.sweep()).toEqual({ expired: 1, ended: 0, left: 0 });
    expect(w.released().map((event) => event.type === 'HoldReleased' && event.data.holdId)).toEqual([
      authorizationId,
    ]);
    // The log itself now says so: pending is 0 without the read's own lapse.
    expect(w.pendingLogged()).toBe(0n);
    const balance = accountBalance(foldWallet(w.store.storedEvents('a1'), initialWalletState()), w.clock.now);
    expect(balance?.available).toBe(10_000n);
    // Once: a second sweep finds nothing.
    expect(await w.sweep()).toEqual({ expired: 0, ended: 0, left: 0 });
    expect(w.released()).toHaveLength(1);
  });

  it('a captured or voided approval is not released again; a declined one is never indexed', async () => {
    const w = world();
    await w.act({ kind: 'open', creditLimit: 10_000n, currency: 'EUR' });
    const captured = await w.act({ kind: 'authorize', amount: 1_000n, merchant });
    const voided = await w.act({ kind: 'authorize', amount: 1_000n, merchant });
    await w.act({ kind: 'authorize', amount: 1_000_000n, merchant }); // declined: over the limit
    await w.act({ kind: 'capture', authorizationId: captured });
    await w.act({ kind: 'void', authorizationId: voided });
    w.clock.now = T0 + TTL;
    expect(await w.sweep()).toEqual({ expired: 0, ended: 2, left: 0 });
    expect(w.released()).toHaveLength(0);
  });
});
