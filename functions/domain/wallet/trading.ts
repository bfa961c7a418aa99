/**
 * Spends: holds, captures, releases, expiries and transfers. One rule guards every one of them:
 * `available = balance − held` never drops below the asset's `floor`. Credits (TransferIn, a
 * released hold) only raise it, so they are never refused; debits (TransferOut, PlaceHold) are
 * refused with `insufficient_funds` when they would cross it. A capture spends what its hold
 * already reserved, so it cannot cross it either.
 *
 * These commands are decided in lane 0 against the wallet's exact state; the command handler
 * appends conditioned on lane 0's head, so two spenders deciding against the same state cannot
 * both be recorded: the loser decides again, against a state that includes the winner's spend.
 */
import { DomainError } from '../errors.ts';
import { parseAmountMinor } from '../money.ts';
import type { Asset, TradingCommand } from './commands.ts';
import type { RecordedEvent, TradingEvent, WalletEvent } from './events.ts';
import { type AssetBalance, available, type Hold, type WalletState } from './state.ts';

export { isTradingEvent, TRADING_EVENT_TYPES } from './event-families.ts';

type CommandOf<T extends TradingCommand['type']> = TradingCommand & { type: T };

export function decideTrading(
  command: TradingCommand,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  switch (command.type) {
    case 'PlaceHold':
      return placeHold(command, state);
    case 'CaptureHold':
      return captureHold(command, state);
    case 'ReleaseHold':
      return releaseHold(command, state);
    case 'ExpireHold': {
      const hold = activeHold(state, command.holdId);
      if (hold instanceof DomainError) return hold;
      if (command.nowMs < hold.expiresAtMs) {
        return new DomainError(
          'hold_not_expired',
          `Hold ${hold.holdId} expires at ${hold.expiresAtMs} ms since the epoch.`,
        );
      }
      return endHold(state, command.holdId, 'expired', command.nowMs);
    }
    case 'TransferOut': {
      const lapsed = lapse(state, command.asset, command.occurredAtMs);
      const refused = spendable(state, command.asset, command.amount, command.walletId, lapsed.freed);
      if (refused) return refused;
      const { transferId, asset, amount, to, occurredAtMs, memo } = command;
      return [
        ...lapsed.events,
        {
          type: 'TransferredOut',
          data: { transferId, asset, amount, to, occurredAtMs, ...(memo === undefined ? {} : { memo }) },
        },
      ];
    }
    case 'TransferIn':
      return transferIn(command);
  }
}

/** A credit from another wallet: never refused (it only raises what is available). */
export function transferIn(command: CommandOf<'TransferIn'>): readonly WalletEvent[] {
  const { transferId, asset, amount, from, occurredAtMs, memo } = command;
  return [
    {
      type: 'TransferredIn',
      data: { transferId, asset, amount, from, occurredAtMs, ...(memo === undefined ? {} : { memo }) },
    },
  ];
}

/** A hold released by its holder (or for a failed order's payment: payments.ts). */
export const releaseHold = (
  command: CommandOf<'ReleaseHold'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError => endHold(state, command.holdId, 'released', command.occurredAtMs);

/**
 * A refusal when spending `amount` of `asset` would take available below the floor; `freed` is
 * what expired holds ended in the same decision give back.
 */
function spendable(
  state: WalletState,
  asset: Asset,
  amount: bigint,
  walletId: string,
  freed = 0n,
): DomainError | undefined {
  if (amount <= 0n) return new DomainError('invalid_amount', 'The amount must be above zero.');
  const position = state.balances[asset];
  const free = available(position) + freed;
  if (free - amount >= position.floor) return undefined;
  return new DomainError(
    'insufficient_funds',
    `Wallet ${walletId} has ${free} ${asset} available (minor units for money); ${amount} was asked.`,
  );
}

/**
 * At most this many expired holds are ended by one spend. One transaction holds at most 98 events
 * and index items, and an expired offer takes three (its event, and moving it in the book).
 */
const LAPSE_MAX = 20;

/**
 * Holds of `asset` past their expiry at `atMs` end with the spend that meets them (HoldReleased,
 * reason expired): what they reserved is available to it, with no sweep needed first. The time
 * is the command's, so deciding again gives the same events.
 */
export function lapse(
  state: WalletState,
  asset: Asset,
  atMs: number,
): { events: WalletEvent[]; freed: bigint } {
  const events: WalletEvent[] = [];
  let freed = 0n;
  for (const hold of state.holds.values()) {
    if (events.length >= LAPSE_MAX) break;
    if (hold.status !== 'active' || hold.asset !== asset || atMs < hold.expiresAtMs) continue;
    events.push({
      type: 'HoldReleased',
      data: { holdId: hold.holdId, asset, amount: hold.amount, reason: 'expired', occurredAtMs: atMs },
    });
    freed += hold.amount;
  }
  return { events, freed };
}

/** A hold placed: also an order's, decided with its payment (payments.ts). */
export function placeHold(
  command: CommandOf<'PlaceHold'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  const existing = state.holds.get(command.holdId);
  if (existing !== undefined) {
    // The same hold again decides nothing; another hold under a used id is refused.
    const same = existing.asset === command.asset && existing.amount === command.amount;
    return same
      ? []
      : new DomainError('hold_exists', `Hold ${command.holdId} exists with another asset or amount.`);
  }
  const lapsed = lapse(state, command.asset, command.occurredAtMs);
  const refused = spendable(state, command.asset, command.amount, command.walletId, lapsed.freed);
  if (refused) return refused;
  const { holdId, asset, amount, expiresAtMs, occurredAtMs, memo, offer } = command;
  return [
    ...lapsed.events,
    {
      type: 'HoldPlaced',
      data: {
        holdId,
        asset,
        amount,
        expiresAtMs,
        occurredAtMs,
        ...(memo === undefined ? {} : { memo }),
        ...(offer === undefined ? {} : { offer }),
      },
    },
  ];
}

/** A hold captured: what it reserved is spent (also an order's, by its payment's success: payments.ts). */
export function captureHold(
  command: CommandOf<'CaptureHold'>,
  state: WalletState,
): readonly WalletEvent[] | DomainError {
  const hold = activeHold(state, command.holdId);
  if (hold instanceof DomainError) return hold;
  if (command.occurredAtMs >= hold.expiresAtMs) {
    return new DomainError(
      'hold_not_active',
      `Hold ${hold.holdId} expired; an expired hold cannot be captured.`,
    );
  }
  const amount = command.amount ?? hold.amount;
  if (amount <= 0n || amount > hold.amount) {
    return new DomainError('invalid_amount', `A capture of hold ${hold.holdId} takes 1 to ${hold.amount}.`);
  }
  return [
    {
      type: 'HoldCaptured',
      data: {
        holdId: hold.holdId,
        asset: hold.asset,
        amount,
        released: hold.amount - amount,
        occurredAtMs: command.occurredAtMs,
        ...(command.counterparty === undefined ? {} : { counterparty: command.counterparty }),
      },
    },
  ];
}

function endHold(
  state: WalletState,
  holdId: string,
  reason: 'released' | 'expired',
  occurredAtMs: number,
): readonly WalletEvent[] | DomainError {
  const hold = activeHold(state, holdId);
  if (hold instanceof DomainError) return hold;
  return [
    { type: 'HoldReleased', data: { holdId, asset: hold.asset, amount: hold.amount, reason, occurredAtMs } },
  ];
}

function activeHold(state: WalletState, holdId: string): Hold | DomainError {
  const hold = state.holds.get(holdId);
  if (hold === undefined) return new DomainError('hold_not_found', `No hold ${holdId}.`);
  if (hold.status !== 'active')
    return new DomainError('hold_not_active', `Hold ${holdId} is ${hold.status}.`);
  return hold;
}

type Balances = { money: AssetBalance; points: AssetBalance };

/** Folds one trading event into the balances and holds (`holds` is the draft's own copy). */
export function applyTrading(
  balances: Balances,
  holds: Map<string, Hold>,
  event: RecordedEvent & TradingEvent,
): Balances {
  const { asset, balance, held } = tradingMoves(event);
  const moved = (): Balances => ({
    ...balances,
    [asset]: {
      ...balances[asset],
      balance: balances[asset].balance + balance,
      held: balances[asset].held + held,
    },
  });
  switch (event.type) {
    case 'HoldPlaced': {
      const { holdId, amount, expiresAtMs, offer } = event.data;
      holds.set(holdId, {
        holdId,
        asset,
        amount,
        expiresAtMs,
        status: 'active',
        ...(offer ? { offer } : {}),
      });
      return moved();
    }
    case 'HoldCaptured': {
      const { counterparty } = event.data;
      return end(holds, event.data.holdId, 'captured', moved, counterparty) ?? balances;
    }
    case 'HoldReleased':
      return end(holds, event.data.holdId, event.data.reason, moved) ?? balances;
    default:
      return moved();
  }
}

function end(
  holds: Map<string, Hold>,
  holdId: string,
  status: Hold['status'],
  balances: () => Balances,
  counterparty?: string,
): Balances | undefined {
  const hold = holds.get(holdId);
  // The decider ends a hold once; a log that says otherwise changes nothing the second time.
  if (hold === undefined || hold.status !== 'active') return undefined;
  holds.set(holdId, { ...hold, status, ...(counterparty === undefined ? {} : { counterparty }) });
  return balances();
}

/** How a trading event moves its asset's balance and held amount (read models fold these sums). */
export function tradingMoves(event: TradingEvent): { asset: Asset; balance: bigint; held: bigint } {
  const { asset } = event.data;
  switch (event.type) {
    case 'HoldPlaced':
      return { asset, balance: 0n, held: event.data.amount };
    case 'HoldCaptured':
      return { asset, balance: -event.data.amount, held: -(event.data.amount + event.data.released) };
    case 'HoldReleased':
      return { asset, balance: 0n, held: -event.data.amount };
    case 'TransferredOut':
      return { asset, balance: -event.data.amount, held: 0n };
    case 'TransferredIn':
      return { asset, balance: event.data.amount, held: 0n };
  }
}

/** A client's amount of an asset: money an exact decimal (minor units), points whole; above zero. */
export function parseAssetAmount(asset: Asset, amount: unknown): bigint {
  if (asset === 'money') return parseAmountMinor(amount);
  const text = typeof amount === 'number' ? String(amount) : typeof amount === 'string' ? amount.trim() : '';
  if (!/^\d{1,18}$/.test(text) || BigInt(text) === 0n) {
    throw new DomainError('invalid_amount', 'Points are a whole number above zero.');
  }
  return BigInt(text);
}
