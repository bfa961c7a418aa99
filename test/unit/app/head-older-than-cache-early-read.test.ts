/**
 * review3 (s22-writes). exactState reads lane 0's head, THEN takes the cached state. If the cache
 * was meanwhile replaced by a newer read (here: a cold keyed hold's state sent early,
 * exactStateEarly / walletAndHead; before this branch, another exactState could do the same),
 * exactState returns a state that already holds lane-0 events past the head it returns
 * (exact-state.ts: `toVersion < fromVersion` skips lane 0). The append on that head fails, and
 * group commit's readTail (group-commit-carry.ts) folds the tail past that head ONTO that state:
 * the events between are counted twice. A lane-0 credit counted twice is money that is not there:
 * the batch and the carry it leaves approve a spend the wallet cannot cover.
 *
 * Window: the head's answer arrives after another read of the same wallet that saw a newer lane 0
 * (network reordering of two responses in one process). Modelled by delaying the head's answer.
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { holdAction } from '#app/holds.ts';
import { readWallet } from '#app/read-events.ts';
import { foldWallet, initialWalletState } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
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

describe('review3: a head older than the cached state', () => {
  it('never approves holds beyond the money the wallet has', async () => {
    const table = await funded(new InMemoryGroupStore()); // w1: 100 in lane 0 (v1)
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let delayed = false;
    // This process: its first head read's answer is late (read now, delivered after the gate).
    const proc = bound(table, async (walletId, lane) => {
      const head = await table.head(walletId, lane);
      if (!delayed) {
        delayed = true;
        await gate;
      }
      return head;
    });
    enableGroupCommit(proc);

    // X: an unkeyed hold of 150 in this process: its batch reads the head (v1, answer late).
    const x = handleCommand({ store: proc }, laneZeroWrite('w1', 'x', moneyHold('w1', 'x', 150n)));
    // Until its head read is out (the batch path may load first).
    for (let i = 0; i < 200 && !delayed; i++) await settle();
    expect(delayed).toBe(true);
    // Another instance credits lane 0: 100 more (v2). The wallet holds 200.
    const credit = await handleCommand(
      { store: bound(table), groupCommit: false },
      laneZeroWrite('w1', 'd2', depositOf('w1', 100n)),
    );
    expect(credit.kind).toBe('recorded');
    // T: a keyed hold of 100 (as the API keys it) in this process, cold: its state read (v2) goes
    // out with its legacy key's look-up and fills the cache before X's head answer arrives.
    const t = holdAction(
      { store: proc, clock: { nowMs: () => 5 }, ids: { newId: () => 't' } },
      {
        walletId: 'w1',
        idempotency: { key: 'holds#k-t', payloadHash: 'p', reference: 'k-t', legacyKey: 'k-t' },
        respond: () => ({ statusCode: 201, body: 't' }),
      },
      { kind: 'place', asset: 'money', amount: 100n, expiresInMs: 60_000 },
    );
    await settle();
    release();
    const kinds = [(await x).kind, (await t).kind];

    // 200 in the wallet: 150 + 100 cannot both be held.
    const state = foldWallet(await readWallet(table, 'w1'), initialWalletState());
    const held = [...state.holds.values()].reduce((sum, hold) => sum + hold.amount, 0n);
    // Whatever each is answered, what is held never exceeds what the wallet has.
    expect({ kinds: kinds, held, fits: held <= 200n }).toMatchObject({ fits: true });
  });
});
