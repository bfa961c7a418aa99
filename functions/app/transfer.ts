/**
 * A transfer: TransferOut from one wallet and TransferIn to the other, each decided against its
 * wallet's exact state and appended together in one transaction (two-wallet-command.ts). Refused
 * with `insufficient_funds` (nothing written) when the payer's available amount is short.
 */
import { DomainError } from '#domain/errors.ts';
import {
  type Asset,
  decideTrading,
  type RecordedEvent,
  type TradingCommand,
  type WalletEvent,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore, StoredResponse } from '#ports/event-store.ts';
import type { RetryPolicy } from './command-handler.ts';
import type { IdempotencyInput } from './idempotency.ts';
import type { Outcome } from './outcomes.ts';
import { indexChangesOf } from './trading-index.ts';
import { handleTwoWalletCommand } from './two-wallet-command.ts';

export interface TransferDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
}

export interface TransferInput {
  from: string;
  to: string;
  asset: Asset;
  /** Minor units for money, whole points for points; above zero (parsed at the edge). */
  amount: bigint;
  memo?: string;
  idempotency: IdempotencyInput;
  /** The answer to give and to keep with the key; `transferId` names the transfer. */
  respond: (transferId: string, events: readonly [RecordedEvent[], RecordedEvent[]]) => StoredResponse;
}

/** A transfer never "already stands": no `unchanged`. */
export type TransferResult = Exclude<
  Outcome<{ response: StoredResponse; conflicts: number }>,
  { kind: 'unchanged' }
>;

export async function transfer(deps: TransferDeps, input: TransferInput): Promise<TransferResult> {
  if (input.from === input.to) {
    return {
      kind: 'rejected',
      error: new DomainError(
        'invalid_transfer',
        'from and to are the same wallet; a transfer moves between two.',
      ),
    };
  }
  // One time and one id for every attempt: a retried decision records the same transfer.
  const occurredAtMs = deps.clock.nowMs();
  const transferId = deps.ids.newId();
  const common = {
    asset: input.asset,
    amount: input.amount,
    transferId,
    occurredAtMs,
    ...(input.memo === undefined ? {} : { memo: input.memo }),
  };
  const outcome = await handleTwoWalletCommand<TradingCommand>(deps, {
    decide: decideTrading,
    indexes: indexChangesOf,
    wallets: [
      {
        walletId: input.from,
        command: () => ({ type: 'TransferOut', walletId: input.from, to: input.to, ...common }),
      },
      {
        walletId: input.to,
        command: () => ({ type: 'TransferIn', walletId: input.to, from: input.from, ...common }),
      },
    ],
    stamp: (events: readonly WalletEvent[], command) =>
      events.map((event, index) => ({
        ...event,
        eventId: `${transferId}-${command.type === 'TransferOut' ? 'out' : 'in'}${index === 0 ? '' : `-${index}`}`,
        recordedAtMs: occurredAtMs,
      })),
    idempotency: input.idempotency,
    respond: (events) => input.respond(transferId, events),
  });
  switch (outcome.kind) {
    case 'recorded':
      if (outcome.response === undefined) throw new Error('transfer: a response is always built');
      return { kind: 'recorded', response: outcome.response, conflicts: outcome.conflicts };
    case 'contended':
      return { kind: 'contended', conflicts: outcome.conflicts };
    case 'unchanged':
      throw new Error('transfer: a transfer always decides events');
    default:
      return outcome;
  }
}
