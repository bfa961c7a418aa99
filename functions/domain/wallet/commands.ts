/**
 * What may be asked of a wallet. Every field a decision needs comes in the command: the time
 * (`occurredAtMs`), ids, and what the rules say (awards), which the app evaluates because rule sets
 * are loaded from a store. The decider checks them against the wallet's state.
 */
import type { CardCommand } from '../card/commands.ts';
import type { PaymentCommand } from './payment-types.ts';

export interface FactInput {
  id: string;
  source: string;
  type: string;
  occurredAtMs: number;
  dataJson: string;
}

/** What the rules decided for a fact: one award per matching rule. */
export interface AwardInput {
  ruleId: string;
  ruleTextHash: string;
  points: bigint;
}

/** What a rule set version gives one fact, evaluated by the app (see `Correct` and `ApplyRules`). */
export interface RulesVerdict {
  ruleSetVersion: number;
  awards: readonly AwardInput[];
}

/** Facts by event time, `fromMs <= time < toMs`; either bound may be absent. */
export interface TimeRange {
  fromMs?: number;
  toMs?: number;
}

/** What a wallet holds: money in minor units, points as integers (both bigint). */
export type Asset = 'money' | 'points';
export const ASSETS: readonly Asset[] = ['money', 'points'];

export type WalletCommand = LedgerCommand | TradingCommand | PaymentCommand | CardCommand;

/**
 * Credits and their corrections (ledger.ts): deposits, facts with their points, corrections of
 * either, and rule sets applied retroactively.
 */
export type LedgerCommand = CreditCommand | CorrectionCommand;

/** Deposits and facts: credits, which commute with every other event and need no state. */
export type CreditCommand =
  | {
      /** A credit: it commutes with every other event, so it needs no state and may take any lane. */
      type: 'Deposit';
      walletId: string;
      amountMinor: bigint;
      occurredAtMs: number;
      factId?: string;
    }
  | {
      /** A business event from another application, with the points the active rules give it. */
      type: 'RecordFact';
      walletId: string;
      fact: FactInput;
      ruleSetVersion: number;
      awards: readonly AwardInput[];
    };

/** Corrections of deposits and facts, and rule sets applied retroactively: decided in lane 0. */
export type CorrectionCommand =
  | {
      /**
       * Void or amend an earlier deposit or fact. Decided in lane 0 against the whole log.
       * For a fact, `rules` is what the rule set governing it (`factToCorrect`) gives the fact as
       * corrected (no awards for a void): the decider turns the difference into PointsAdjusted.
       */
      type: 'Correct';
      walletId: string;
      /** The stored event id, the CloudEvent id it came in with, or its Idempotency-Key. */
      reference: string;
      action: 'void' | 'amend';
      reason: string;
      /** For `amend`: a deposit's amount and/or time; a fact's data (JSON text) and/or time. */
      amend?: { amountMinor?: bigint; occurredAtMs?: number; dataJson?: string };
      /** The EventCorrected's event id; its PointsAdjusted name it as their cause. */
      correctionId: string;
      rules?: RulesVerdict;
    }
  | {
      /**
       * Apply a published rule set version retroactively to the facts in `range`: first the
       * PointsAdjusted that bring their points to what it gives (at most `eventsMax` per decision),
       * then, once nothing differs, RulesApplied. Decided again until it decides nothing.
       */
      type: 'ApplyRules';
      walletId: string;
      ruleSetVersion: number;
      range: TimeRange;
      causeId: string;
      /** What the version gives each fact in range, by fact id; a fact missing here failed a rule. */
      awards: ReadonlyMap<string, readonly AwardInput[]>;
      eventsMax: number;
    };

export type WalletCommandType = WalletCommand['type'];

/**
 * Spends and the credits that pair with them (see trading.ts). All are decided in lane 0 against
 * the wallet's exact state: a spend does not commute with another spend. Amounts are > 0n
 * (validated on the way in); time comes in the command, as everywhere in the decider.
 */
export type TradingCommand =
  | {
      /** Reserve `amount` of `asset`: available drops by it, balance stays. */
      type: 'PlaceHold';
      walletId: string;
      asset: Asset;
      amount: bigint;
      holdId: string;
      expiresAtMs: number;
      occurredAtMs: number;
      memo?: string;
      /** When the hold backs an offer on the book: what the whole lot is offered for. */
      offer?: OfferTerms;
    }
  | {
      /** Take `amount` (all when absent) of an active hold; the rest is released. */
      type: 'CaptureHold';
      walletId: string;
      holdId: string;
      amount?: bigint;
      occurredAtMs: number;
      /** Where the captured amount goes (another wallet, a merchant), for the record. */
      counterparty?: string;
    }
  | { type: 'ReleaseHold'; walletId: string; holdId: string; occurredAtMs: number }
  | {
      /** Decided at or after the hold's `expiresAtMs`; `nowMs` is the clock reading of whoever asks. */
      type: 'ExpireHold';
      walletId: string;
      holdId: string;
      nowMs: number;
    }
  | {
      type: 'TransferOut';
      walletId: string;
      asset: Asset;
      amount: bigint;
      transferId: string;
      to: string;
      occurredAtMs: number;
      memo?: string;
    }
  | {
      type: 'TransferIn';
      walletId: string;
      asset: Asset;
      amount: bigint;
      transferId: string;
      from: string;
      occurredAtMs: number;
      memo?: string;
    };

/** An offer's price for its whole lot (the held amount). */
export interface OfferTerms {
  price: { asset: Asset; amount: bigint };
}
