import { describe, expect, it } from 'vitest';
import { isDomainError } from '#domain/errors.ts';
import {
  decide,
  evolve,
  foldWallet,
  initialWalletState,
  type RecordedEvent,
  type WalletCommand,
} from '#domain/wallet.ts';

/**
 * Accounts are wallets: the state rebuilt from the log equals the state kept live event by event,
 * and a rebuild that starts from a state folded up to some point (a snapshot) equals a full one.
 */
function liveAccount(): { log: RecordedEvent[]; live: ReturnType<typeof initialWalletState> } {
  const log: RecordedEvent[] = [];
  let live = initialWalletState();
  const run = (command: WalletCommand) => {
    const events = decide(command, live);
    if (isDomainError(events)) throw events;
    for (const event of events) {
      const recorded = {
        ...event,
        walletId: 'a1',
        lane: 0,
        version: log.length + 1,
        eventId: `e${log.length + 1}`,
        recordedAtMs: log.length,
      } as RecordedEvent;
      log.push(recorded);
      live = evolve(live, recorded);
    }
  };
  const at = { walletId: 'a1', occurredAtMs: 1 };
  const merchant = { id: 'm', mcc: '5942' };
  run({ type: 'OpenAccount', ...at, creditLimit: 10_000n, currency: 'EUR' });
  for (let index = 0; index < 6; index++) {
    run({
      type: 'Authorize',
      ...at,
      authorizationId: `x${index}`,
      amount: 2_500n,
      currency: 'EUR',
      merchant,
      expiresAtMs: index === 0 ? 2 : 1e12,
      ruleSetVersion: 0,
      ruleDeclines: [],
      occurredAtMs: index === 0 ? 1 : 5,
    });
  }
  run({ type: 'CaptureHold', ...at, holdId: 'x1', amount: 1_000n, occurredAtMs: 6 });
  run({ type: 'ReleaseHold', ...at, holdId: 'x2', occurredAtMs: 6 });
  run({ type: 'ReturnPayment', ...at, paymentId: 'p1', reason: 'nsf' });
  run({ type: 'SubmitPayment', ...at, paymentId: 'p1', amount: 700n });
  run({ type: 'SubmitPayment', ...at, paymentId: 'p2', amount: 300n });
  run({ type: 'ChangeCreditLimit', ...at, creditLimit: 5_000n });
  return { log, live };
}

describe('card accounts: rebuild', () => {
  it('the state rebuilt from the log equals the live state; from a snapshot too', () => {
    const { log, live } = liveAccount();
    expect(log.length).toBeGreaterThan(12);
    const rebuilt = foldWallet(log, initialWalletState());
    expect(rebuilt).toEqual(live);
    for (const cut of [1, 5, 9, log.length - 1]) {
      const snapshot = foldWallet(log.slice(0, cut), initialWalletState());
      expect(foldWallet(log.slice(cut), snapshot)).toEqual(live);
    }
    // The story the log tells: the expired approval x0 was released by a later authorization.
    expect(live.holds.get('x0')?.status).toBe('expired');
    // x1…x4 approved (x5 declined: no credit left); 1,000 of x1 captured, x2 voided; p1 paid and
    // returned at once (its return came first), p2 paid.
    expect(live.balances.money).toEqual({ balance: -700n, held: 5_000n, floor: -5_000n });
  });
});
