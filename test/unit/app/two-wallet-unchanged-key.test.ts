/**
 * A two-wallet command that decides no events answers 'unchanged' only if its key was not used
 * (review3, stop 22: handleTwoAlone answered 'unchanged' without looking, where every other answer
 * that writes nothing checks the key: refusal(), and the batch's unlessKeyUsed). A retry whose
 * first try took effect, decided again on the state after it, may decide nothing: it hears what
 * the key answered (replayed, or key-reused for another payload), alone or in a batch.
 */
import { describe, expect, it } from 'vitest';
import { enableGroupCommit } from '#app/group-commit.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { handleTwoAlone, handleTwoWalletCommand } from '#app/two-wallet-command.ts';
import type { TwoWalletWrite } from '#app/write-outcome.ts';
import { decide, type WalletCommand } from '#domain/wallet.ts';
import { funded, InMemoryGroupStore } from '../../support/in-memory-group-store.ts';
import { moneyTransfer } from '../../support/lane-zero-writes.ts';

/** A command under key `k` whose parts decide nothing on any state (no commands). */
const decidesNothing = (payloadHash: string): TwoWalletWrite<WalletCommand> => ({
  wallets: [
    { walletId: 'w1', command: () => [] },
    { walletId: 'w2', command: () => [] },
  ],
  decide,
  indexes: indexChangesOf,
  stamp: (events) => events.map((event) => ({ ...event, eventId: 'x', recordedAtMs: 10 })),
  idempotency: { key: 'k', payloadHash },
  respond: () => ({ statusCode: 201, body: 'again' }),
});

/** w1 funded; a transfer under key `k` (payload `p`) took effect. */
async function keyUsed(): Promise<InMemoryGroupStore> {
  const store = await funded(new InMemoryGroupStore());
  const first = await moneyTransfer(
    { store, clock: { nowMs: () => 5 }, ids: { newId: () => 't1' }, groupCommit: false },
    { key: 'k', payloadHash: 'p' },
  );
  expect(first.kind).toBe('recorded');
  return store;
}

describe('a two-wallet command that decides nothing', () => {
  it('answers what its used key answered, alone', async () => {
    const store = await keyUsed();
    expect(await handleTwoAlone({ store }, decidesNothing('p'))).toEqual({
      kind: 'replayed',
      response: { statusCode: 201, body: 't1' },
    });
    expect(await handleTwoAlone({ store }, decidesNothing('other'))).toEqual({ kind: 'key-reused' });
  });

  it('answers alike in a batch (group commit)', async () => {
    const store = await keyUsed();
    enableGroupCommit(store);
    const outcome = await handleTwoWalletCommand({ store, groupCommit: true }, decidesNothing('p'));
    expect(outcome).toEqual({ kind: 'replayed', response: { statusCode: 201, body: 't1' } });
  });

  it('answers unchanged when its key is new, or it has none', async () => {
    const store = await funded(new InMemoryGroupStore());
    expect(await handleTwoAlone({ store }, decidesNothing('p'))).toEqual({ kind: 'unchanged' });
    const { idempotency: _none, respond: _r, ...unkeyed } = decidesNothing('p');
    expect(await handleTwoAlone({ store }, unkeyed)).toEqual({ kind: 'unchanged' });
  });
});
