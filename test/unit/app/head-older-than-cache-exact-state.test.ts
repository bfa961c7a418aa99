/**
 * review3: the same hazard on main (before s22-writes): the cache that outruns the head is filled
 * by another exactState (a transfer's, in the same process), not by a sent read. Shows the
 * double fold in group commit's readTail is pre-existing; s22-writes adds one more cache writer.
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { readWallet } from '#app/read-events.ts';
import { transfer } from '#app/transfer.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { depositOf, laneZeroWrite, moneyHold } from '../../support/lane-zero-writes.ts';

const bound = (table: EventStore, head?: EventStore['head']) =>
  new Proxy(table, {
    get(target, property) {
      if (property === 'head' && head) return head;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('review3 (main): a head older than the cached state', () => {
  it('never approves holds beyond the money the wallet has', async () => {
    const table = new InMemoryGroupStore();
    await table.append({
      walletId: 'w1',
      lane: 0,
      expected: { version: 0, hash: '' },
      events: [
        { type: 'Deposited', data: { amountMinor: 100n, occurredAtMs: 1 }, eventId: 'd1', recordedAtMs: 1 },
      ],
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let delayed = false;
    const proc = bound(table, async (walletId, lane) => {
      const head = await table.head(walletId, lane);
      if (!delayed) {
        delayed = true;
        await gate;
      }
      return head;
    });
    enableGroupCommit(proc);
    const x = handleCommand({ store: proc }, laneZeroWrite('w1', 'x', moneyHold('w1', 'x', 150n)));
    for (let i = 0; i < 200 && !delayed; i++) await settle();
    expect(delayed).toBe(true);
    const credit = await handleCommand(
      { store: bound(table), groupCommit: false },
      laneZeroWrite('w1', 'd2', depositOf('w1', 100n)),
    );
    expect(credit.kind).toBe('recorded');
    // A transfer in this process reads w1 now (v2) and fills the cache.
    const sent = await transfer(
      { store: proc, clock: { nowMs: () => 5 }, ids: { newId: () => 't' } },
      {
        from: 'w1',
        to: 'w2',
        asset: 'money',
        amount: 10n,
        idempotency: { key: 'transfer-t', payloadHash: 'h' },
        respond: (id) => ({ statusCode: 201, body: id }),
      },
    );
    expect(sent.kind).toBe('recorded');
    await settle();
    release();
    const first = (await x).kind;
    const y = (await handleCommand({ store: proc }, laneZeroWrite('w1', 'y', moneyHold('w1', 'y', 100n))))
      .kind;
    const state = foldWallet(await readWallet(table, 'w1'), initialWalletState());
    const held = [...state.holds.values()].reduce((sum, hold) => sum + hold.amount, 0n);
    // 200 in, 10 out: 190. 150 + 100 cannot both be held.
    // Whatever each is answered, what is held never exceeds what the wallet has.
    expect({ kinds: [first, y], held, fits: held <= 190n }).toMatchObject({ fits: true });
  });
});
