/**
 * Holds over the API: place, capture (in part or whole; the captured amount may go to another
 * wallet, in the same transaction), release. Each is a lane-0 command decided against the
 * wallet's exact state (command-handler.ts), or two wallets' (two-wallet-command.ts) for a
 * capture to a wallet. A used Idempotency-Key answers as it did (see holdAction).
 */
import { DomainError, isDomainError } from '#domain/errors.ts';
import {
  type Asset,
  decideTrading,
  foldWallet,
  parseAssetAmount,
  type RecordedEvent,
  type TradingCommand,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { EventStore, StoredResponse } from '#ports/event-store.ts';
import { handleCommand, type RetryPolicy } from './command-handler.ts';
import { exactStateEarly } from './exact-state.ts';
import { hasLegacyKey, type IdempotencyInput } from './idempotency.ts';
import type { Outcome } from './outcomes.ts';
import { indexChangesOf } from './trading-index.ts';
import { handleTwoWalletCommand } from './two-wallet-command.ts';

export interface HoldDeps {
  store: EventStore;
  clock: Clock;
  ids: IdGenerator;
  retry?: RetryPolicy;
}

export type HoldResult =
  | Exclude<Outcome<{ response: StoredResponse }>, { kind: 'contended' }>
  | { kind: 'contended' };

export interface HoldRequest {
  walletId: string;
  idempotency: IdempotencyInput;
  respond: (
    events: readonly RecordedEvent[],
    context: { holdId: string; occurredAtMs: number },
  ) => StoredResponse;
}

export type HoldAction =
  | { kind: 'place'; asset: Asset; amount: bigint; expiresInMs: number; memo?: string }
  /** `amount` as the client sent it: parsed against the hold's asset (money exact, points whole). */
  | { kind: 'capture'; holdId: string; amount?: number | string; to?: string }
  | { kind: 'release'; holdId: string };

export async function holdAction(
  deps: HoldDeps,
  request: HoldRequest,
  action: HoldAction,
): Promise<HoldResult> {
  // A used key answers as it did: from its record where the append writes it (its create-only
  // item), or before a refusal (refusal(): a retry whose funds the first try took hears that
  // answer). Only the legacy item is looked up first, with the first read of the wallet's state.
  const occurredAtMs = deps.clock.nowMs();
  const eventId = deps.ids.newId();
  const holdId = action.kind === 'place' ? eventId : action.holdId;
  const stamp = (events: readonly WalletEvent[], command: WalletCommand) =>
    events.map((event, index) => ({
      ...event,
      eventId: `${eventId}${command.type === 'TransferIn' ? '-in' : ''}${index === 0 ? '' : `-${index}`}`,
      recordedAtMs: occurredAtMs,
    }));
  const context = { holdId, occurredAtMs };
  const { walletId } = request;
  if (action.kind === 'capture' && action.to !== undefined) {
    const to = action.to;
    // The capture and the credit are decided together, the capture first (a refused capture
    // decides nothing more), so the credit takes the asset and amount the capture took.
    let captured: { asset: Asset; amount: bigint } | undefined;
    const outcome = await handleTwoWalletCommand<TradingCommand>(deps, {
      decide: decideTrading,
      indexes: indexChangesOf,
      wallets: [
        {
          walletId,
          command: (state) => {
            const command = capture(state, walletId, action, occurredAtMs, to);
            const hold = state.holds.get(action.holdId);
            if (!isDomainError(command) && hold)
              captured = { asset: hold.asset, amount: command.amount ?? hold.amount };
            return command;
          },
        },
        {
          walletId: to,
          command: () => ({
            type: 'TransferIn',
            walletId: to,
            asset: captured?.asset ?? 'money',
            amount: captured?.amount ?? 0n,
            transferId: `capture:${walletId}:${action.holdId}`,
            from: walletId,
            occurredAtMs,
          }),
        },
      ],
      stamp,
      idempotency: request.idempotency,
      respond: ([out]) => request.respond(out, context),
    });
    if (outcome.kind === 'recorded') {
      if (outcome.response === undefined) throw new Error('holdAction: a response is always built');
      return { kind: 'recorded', response: outcome.response };
    }
    if (outcome.kind === 'contended') return { kind: 'contended' };
    if (outcome.kind === 'unchanged') throw new Error('holdAction: a capture always decides events');
    return outcome;
  }
  const command = (state: WalletState): TradingCommand | DomainError =>
    action.kind === 'place'
      ? {
          type: 'PlaceHold',
          walletId,
          asset: action.asset,
          amount: action.amount,
          holdId,
          expiresAtMs: occurredAtMs + action.expiresInMs,
          occurredAtMs,
          ...(action.memo === undefined ? {} : { memo: action.memo }),
        }
      : action.kind === 'capture'
        ? capture(state, walletId, action, occurredAtMs)
        : { type: 'ReleaseHold', walletId, holdId, occurredAtMs };
  // A wallet new to this instance: its state goes out with the legacy key's look-up (handleCommand).
  const firstState = hasLegacyKey(request.idempotency)
    ? exactStateEarly(deps.store, walletId, foldWallet)
    : undefined;
  const outcome = await handleCommand(deps, {
    walletId,
    placement: 'lane-0',
    ...(firstState === undefined ? {} : { firstState }),
    fold: foldWallet,
    decide: decideTrading,
    indexes: indexChangesOf,
    command,
    stamp,
    idempotency: request.idempotency,
    respond: (events) => request.respond(events, context),
  });
  switch (outcome.kind) {
    case 'recorded':
      if (outcome.response === undefined) throw new Error('holdAction: a response is always built');
      return { kind: 'recorded', response: outcome.response };
    case 'unchanged':
      throw new Error('holdAction: a new hold id always decides an event');
    case 'contended':
      return { kind: 'contended' };
    default:
      return outcome;
  }
}

/** The CaptureHold asked for, its amount parsed in the hold's asset (an unknown hold: decide refuses it). */
function capture(
  state: WalletState,
  walletId: string,
  action: HoldAction & { kind: 'capture' },
  occurredAtMs: number,
  to?: string,
): (WalletCommand & { type: 'CaptureHold' }) | DomainError {
  const hold = state.holds.get(action.holdId);
  let amount: bigint | undefined;
  if (action.amount !== undefined && hold !== undefined) {
    try {
      amount = parseAssetAmount(hold.asset, action.amount);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  }
  return {
    type: 'CaptureHold',
    walletId,
    holdId: action.holdId,
    ...(amount === undefined ? {} : { amount }),
    occurredAtMs,
    ...(to === undefined ? {} : { counterparty: to }),
  };
}
