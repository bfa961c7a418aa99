import type { CorrectionDeps } from '#app/corrections.ts';
import type { IdempotencyInput } from '#app/idempotency.ts';
import { indexChangesOf } from '#app/trading-index.ts';
import { type TransferDeps, transfer } from '#app/transfer.ts';
import { handleTwoWalletCommand } from '#app/two-wallet-command.ts';
import type { WalletWrite } from '#app/write-outcome.ts';
import { decide, foldWallet, type WalletCommand } from '#domain/wallet.ts';
import type { EventStore } from '#ports/event-store.ts';

/**
 * Lane-0 writes and corrections of one wallet, for the tests of what races what on lane 0 (group
 * commit, corrections alone, lanes registered empty): a command's events take ids id, id-1, ….
 */
export const laneZeroWrite = (walletId: string, id: string, command: WalletCommand): WalletWrite => ({
  walletId,
  placement: 'lane-0',
  fold: foldWallet,
  indexes: indexChangesOf,
  decide,
  command: () => command,
  stamp: (events) =>
    events.map((event, offset) => ({
      ...event,
      eventId: offset === 0 ? id : `${id}-${offset}`,
      recordedAtMs: 10,
    })),
});

export const depositOf = (walletId: string, amount: bigint): WalletCommand => ({
  type: 'Deposit',
  walletId,
  amountMinor: amount,
  occurredAtMs: 10,
});

/** A hold of money that expires long after any test ends. */
export const moneyHold = (walletId: string, holdId: string, amount: bigint): WalletCommand => ({
  type: 'PlaceHold',
  walletId,
  asset: 'money',
  amount,
  holdId,
  expiresAtMs: 1e12,
  occurredAtMs: 10,
});

/** A keyed transfer of money from w1 to w2, answered with its transfer id. */
export const moneyTransfer = (
  deps: TransferDeps & { groupCommit?: boolean },
  idempotency: IdempotencyInput,
  amount = 10n,
) =>
  transfer(deps, {
    from: 'w1',
    to: 'w2',
    asset: 'money',
    amount,
    idempotency,
    respond: (transferId) => ({ statusCode: 201, body: transferId }),
  });

/** The corrections use case on `store`, for deposits (no rule set is asked for). */
export function correctionsOn(store: EventStore): CorrectionDeps {
  let ids = 0;
  return {
    store,
    ruleSets: { get: async () => undefined },
    activeVersion: async () => 0,
    clock: { nowMs: () => 20 },
    ids: { newId: () => `c${++ids}` },
  };
}

/**
 * A two-wallet command that deposits 1 `deposits` times into each of wallets a and b (events
 * <id>.0, <id>.1, …): its size is chosen, so a test can fill a two-wallet batch's transaction.
 */
export const twoWalletDeposits = (store: EventStore, id: string, deposits: number) =>
  handleTwoWalletCommand(
    { store, groupCommit: true },
    {
      indexes: indexChangesOf,
      decide,
      wallets: [
        { walletId: 'a', command: () => Array.from({ length: deposits }, () => depositOf('a', 1n)) },
        { walletId: 'b', command: () => Array.from({ length: deposits }, () => depositOf('b', 1n)) },
      ],
      stamp: (events) =>
        events.map((event, index) => ({ ...event, eventId: `${id}.${index}`, recordedAtMs: 1 })),
    },
  );

/**
 * A deposit appended straight to the store on lane 0 (no command, no key): a wallet's starting
 * money for tests of what reads or spends it. Recorded at `recordedAtMs` (default: when it occurred).
 */
export async function appendDeposit(
  store: EventStore,
  walletId: string,
  amountMinor: bigint,
  at: { eventId: string; occurredAtMs: number; recordedAtMs?: number },
): Promise<void> {
  await store.append({
    walletId,
    lane: 0,
    expected: await store.head(walletId, 0),
    events: [
      {
        type: 'Deposited',
        data: { amountMinor, occurredAtMs: at.occurredAtMs },
        eventId: at.eventId,
        recordedAtMs: at.recordedAtMs ?? at.occurredAtMs,
      },
    ],
  });
}

/** The correction racing tests send: of deposit `d<target>`, void (`amount` null) or amended to `amount`. */
export const voidOrAmend = (walletId: string, target: number, amount: number | null) => ({
  walletId,
  reference: `d${target}`,
  reason: 'r',
  ...(amount === null
    ? { action: 'void' as const }
    : { action: 'amend' as const, amend: { amountMinor: BigInt(amount) } }),
});
