import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { correctEvent } from '#app/corrections.ts';
import { HeadCache } from '#app/head-cache.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { handleTwoWalletCommand } from '#app/two-wallet-command.ts';
import { decide, foldWallet, initialWalletState, type WalletCommand } from '#domain/wallet.ts';
import { processStores } from '../../sim/process-stores.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { correctionsOn, laneZeroWrite, moneyHold } from '../../support/lane-zero-writes.ts';

/**
 * A hot-wallet writer registers a lane before its version 1 (LANE_DISCOVERY), so the registry may
 * name a lane that holds nothing (its writer failed, or lost) and that another writer fills later.
 * Every lane-0 write path (group commit on a carried state, a correction alone, a transfer) must
 * count what that lane gets once it gets it: a spend refused for want of money it holds, or a
 * correction let below the floor because it missed a credit there, would break the spend rules.
 */

const lane0 = (id: string, command: WalletCommand) => laneZeroWrite('w1', id, command);
const hold = (holdId: string, amount: bigint) => moneyHold('w1', holdId, amount);

const deposited = (eventId: string, amount: bigint) => ({
  type: 'Deposited' as const,
  data: { amountMinor: amount, occurredAtMs: 10 },
  eventId,
  recordedAtMs: 10,
});

describe('a registered lane with no events yet', () => {
  it('is read as empty, and what it gets later is counted by every lane-0 write path', async () => {
    const shared = new InMemoryGroupStore();
    const key = { key: 'k-d1', payloadHash: 'p', response: { statusCode: 201, body: '' } };
    await shared.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [deposited('d1', 100n)],
      idempotency: key,
    });
    // A writer opening lane 40 with a key already used: the lane is registered, nothing is written.
    const lost = await shared.append({
      walletId: 'w1',
      lane: 40,
      expected: { version: 0, hash: '' },
      events: [deposited('x', 999n)],
      idempotency: key,
    });
    expect(lost.kind).toBe('duplicate');
    expect(await shared.lanes('w1')).toEqual([0, 40]);
    expect((await shared.verify('w1')).ok).toBe(true);

    const stores = processStores(shared, true);
    const a = { store: stores(0), heads: new HeadCache() };
    // Group commit in process A: a hold on what lane 0 holds (the empty lane adds nothing).
    expect(await handleCommand(a, lane0('h1', hold('h1', 60n)))).toMatchObject({ kind: 'recorded' });
    expect(await handleCommand(a, lane0('h2', hold('h2', 41n)))).toMatchObject({
      kind: 'rejected',
      error: { code: 'insufficient_funds' },
    });
    // Another writer fills lane 40 at version 1, as a hot-lane producer does.
    await shared.append({
      walletId: 'w1',
      lane: 40,
      expected: { version: 0, hash: '' },
      events: [deposited('d40', 50n)],
    });
    // A's next hold counts it: 100 + 50 − 60 = 90 available.
    expect(await handleCommand(a, lane0('h3', hold('h3', 90n)))).toMatchObject({ kind: 'recorded' });
    // Nothing is available now: a correction taking 1 back from the lane-40 deposit is refused.
    const corrections = correctionsOn(stores(1));
    expect(
      await correctEvent(corrections, {
        walletId: 'w1',
        reference: 'd40',
        action: 'amend',
        reason: 'r',
        amend: { amountMinor: 49n },
      }),
    ).toMatchObject({ kind: 'rejected', error: { code: 'correction_below_floor' } });
    // Released holds make room: the correction then lands, and a transfer sees what is left.
    expect(
      await handleCommand(
        a,
        lane0('r1', { type: 'ReleaseHold', walletId: 'w1', holdId: 'h1', occurredAtMs: 10 }),
      ),
    ).toMatchObject({ kind: 'recorded' });
    expect(
      await correctEvent(corrections, {
        walletId: 'w1',
        reference: 'd40',
        action: 'amend',
        reason: 'r',
        amend: { amountMinor: 20n },
      }),
    ).toMatchObject({ kind: 'recorded' });
    // 100 + 20 − 90 held = 30 available: a transfer of 31 is refused, of 30 recorded.
    const transfer = (id: string, amount: bigint) =>
      handleTwoWalletCommand(
        { store: stores(2), groupCommit: false },
        {
          indexes: indexChangesOf,
          decide,
          wallets: [
            {
              walletId: 'w1',
              command: () =>
                ({
                  type: 'TransferOut',
                  walletId: 'w1',
                  transferId: id,
                  asset: 'money',
                  amount,
                  to: 'w2',
                  occurredAtMs: 10,
                }) as WalletCommand,
            },
            {
              walletId: 'w2',
              command: () =>
                ({
                  type: 'TransferIn',
                  walletId: 'w2',
                  transferId: id,
                  asset: 'money',
                  amount,
                  from: 'w1',
                  occurredAtMs: 10,
                }) as WalletCommand,
            },
          ],
          stamp: (events) =>
            events.map((event, offset) => ({ ...event, eventId: `${id}.${offset}`, recordedAtMs: 10 })),
        },
      );
    expect(await transfer('t1', 31n)).toMatchObject({ kind: 'rejected' });
    expect(await transfer('t2', 30n)).toMatchObject({ kind: 'recorded' });
    const money = foldWallet(shared.storedEvents('w1'), initialWalletState()).balances.money;
    expect(money).toMatchObject({ balance: 90n, held: 90n });
    expect((await shared.verify('w1')).ok).toBe(true);
  });
});
