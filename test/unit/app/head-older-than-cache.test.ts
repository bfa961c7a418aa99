/**
 * A lane-0 state is never folded past its head (review3, stop 22; the hazard was on main before).
 * exactState read lane 0's head, THEN took the cached state: if another read of the same wallet in
 * this process cached a newer state while the head read was out, exactState returned a state that
 * already held lane-0 events past the head it returned with. The append on that head failed, and
 * group commit's readTail (group-commit-carry.ts) folded the tail past the head ONTO that state: the
 * events between counted twice. A lane-0 credit counted twice is money that is not there: the batch
 * and the carry it leaves approved a hold the wallet could not cover.
 *
 * Window: the head's answer arrives after another read of the same wallet that saw a newer lane 0
 * (two responses reordered in one process). Modelled by delaying the first head answer. The cache
 * is filled by a cold keyed hold's early read (exactStateEarly / walletAndHead) or by a transfer's
 * exactState.
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '#app/command-handler.ts';
import { enableGroupCommit } from '#app/group-commit.ts';
import { holdAction } from '#app/holds.ts';
import { readWallet } from '#app/read-events.ts';
import { transfer } from '#app/transfer.ts';
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

const deps = (store: EventStore, id: string) => ({
  store,
  clock: { nowMs: () => 5 },
  ids: { newId: () => id },
});

/**
 * w1 holds 100 (v1). This process asks to hold 150 (X), its head read's answer late; another
 * instance credits 100 (v2); `fillCache` then reads w1 in this process (v2) before X's head answer
 * arrives, and answers what it holds or moves; then the held total is checked against the money.
 */
async function heldAfterReorder(
  fillCache: (store: EventStore) => Promise<{ second: () => Promise<{ kind: string }>; money: bigint }>,
): Promise<{ held: bigint; money: bigint }> {
  const table = await funded(new InMemoryGroupStore());
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
  const { second, money } = await fillCache(proc);
  await settle();
  release();
  await x;
  await second();
  const state = foldWallet(await readWallet(table, 'w1'), initialWalletState());
  return { held: [...state.holds.values()].reduce((sum, hold) => sum + hold.amount, 0n), money };
}

describe('a head older than the cached state', () => {
  it('never approves holds beyond the money: the cache filled by a cold keyed hold’s early read', async () => {
    const { held, money } = await heldAfterReorder(async (proc) => {
      // T: a keyed hold of 100 (as the API keys it), cold: its state read (v2) goes out with its
      // legacy key's look-up and fills the cache.
      const t = holdAction(
        deps(proc, 't'),
        {
          walletId: 'w1',
          idempotency: { key: 'holds#k-t', payloadHash: 'p', reference: 'k-t', legacyKey: 'k-t' },
          respond: () => ({ statusCode: 201, body: 't' }),
        },
        { kind: 'place', asset: 'money', amount: 100n, expiresInMs: 60_000 },
      );
      return { second: () => t, money: 200n };
    });
    expect({ held, fits: held <= money }).toMatchObject({ fits: true });
  });

  it('never approves holds beyond the money: the cache filled by a transfer’s exactState', async () => {
    const { held, money } = await heldAfterReorder(async (proc) => {
      const sent = await transfer(deps(proc, 't'), {
        from: 'w1',
        to: 'w2',
        asset: 'money',
        amount: 10n,
        idempotency: { key: 'transfer-t', payloadHash: 'h' },
        respond: (id) => ({ statusCode: 201, body: id }),
      });
      expect(sent.kind).toBe('recorded');
      // Y: a hold of 100 after X's answer (200 in, 10 out: 190; 150 + 100 cannot both be held).
      const second = () =>
        handleCommand({ store: proc }, laneZeroWrite('w1', 'y', moneyHold('w1', 'y', 100n)));
      return { second, money: 190n };
    });
    expect({ held, fits: held <= money }).toMatchObject({ fits: true });
  });
});
