/**
 * The wallet's events: past tense, carrying everything a read model needs; amounts in minor units.
 * Pure types: the decider emits `WalletEvent`s, the store gives them a place (`RecordedEvent`).
 */
import type { CardEvent } from '../card/events.ts';
import type { Asset, OfferTerms } from './commands.ts';
import type { PaymentEvent } from './payment-types.ts';

/** Events are past tense and carry everything a read model needs; amounts in minor units. */
export type WalletEvent =
  | TradingEvent
  | PaymentEvent
  | CardEvent
  | {
      type: 'Deposited';
      data: {
        amountMinor: bigint;
        /** Event time: when the deposit happened (the intake time for `POST /deposit`, a CloudEvent's `time`). */
        occurredAtMs: number;
        /** The CloudEvent that carried it, for deposits that came over the bus. */
        factId?: string;
      };
    }
  | {
      /** A business event from another application (a CloudEvent), kept whole so rules can be replayed. */
      type: 'FactRecorded';
      data: {
        factId: string;
        source: string;
        factType: string;
        occurredAtMs: number;
        /** The CloudEvent's `data`, as the JSON text it arrived as (numbers stay exact). */
        dataJson: string;
        /** The rule set version that decided its points (absent on facts recorded before it was kept). */
        ruleSetVersion?: number;
      };
    }
  | {
      /** Points a rule gave for a fact; names everything needed to explain it. */
      type: 'PointsAwarded';
      data: {
        points: bigint;
        factId: string;
        ruleId: string;
        ruleSetVersion: number;
        ruleTextHash: string;
      };
    }
  | {
      /**
       * An operator voided or amended an earlier deposit or fact. The original stays in the log
       * untouched; read models and rules use the corrected value from here on. Always in lane 0,
       * so corrections of one wallet are decided one after another.
       */
      type: 'EventCorrected';
      data: {
        target: CorrectionTarget;
        action: 'void' | 'amend';
        reason: string;
        /** An amended deposit: its corrected amount and event time. */
        deposit?: { amountMinor: bigint; occurredAtMs: number };
        /** An amended fact: its corrected event time and data (JSON text). */
        fact?: { occurredAtMs: number; dataJson: string };
      };
    }
  | {
      /**
       * Points given or taken back because a fact was corrected or a rule set was applied
       * retroactively: the difference between what was awarded and what the rules now say,
       * per fact and rule. Never zero.
       */
      type: 'PointsAdjusted';
      data: {
        points: bigint;
        factId: string;
        ruleId: string;
        ruleSetVersion: number;
        ruleTextHash: string;
        cause: 'correction' | 'backtest';
        /** The correction's event id, or the retroactive application's id. */
        causeId: string;
      };
    }
  | {
      /**
       * A rule set version was applied retroactively to the facts whose event time is in
       * `[fromMs, toMs)` (PointsAdjusted events before it brought their points there): from now on
       * those facts are governed by it, so a later correction of one is decided under it.
       */
      type: 'RulesApplied';
      data: { ruleSetVersion: number; fromMs?: number; toMs?: number; causeId: string };
    };

/** The event a correction refers to: where it is in the log, and what it was. */
export interface CorrectionTarget {
  eventId: string;
  lane: number;
  version: number;
  type: 'Deposited' | 'FactRecorded';
}

export type WalletEventType = WalletEvent['type'];

/**
 * An event as the store holds it: the domain event plus its place in the wallet's log.
 *
 * A wallet's log is made of lanes. Lane 0 always exists; when writers race for one wallet, the
 * losers move their deposits to further lanes so that they stop contending. Each lane is a dense,
 * hash-chained stream of its own. Deposits commute, so read models are functions of the set of
 * events, whatever lane they are in; anything that must be decided against an exact state
 * (corrections, rule applications; debits and holds next) stays in lane 0, where optimistic concurrency serialises it.
 */
export type RecordedEvent = WalletEvent & {
  walletId: string;
  lane: number;
  /** 1-based, dense within the lane: the n-th event of a lane has version n. */
  version: number;
  eventId: string;
  recordedAtMs: number;
  idempotencyKey?: string;
};

/**
 * Holds and transfers. Each hold ends exactly once: HoldCaptured or HoldReleased (released by
 * request, by expiry, or the rest of a partial capture: then inside HoldCaptured). All in lane 0.
 */
export type TradingEvent =
  | {
      type: 'HoldPlaced';
      data: {
        holdId: string;
        asset: Asset;
        amount: bigint;
        expiresAtMs: number;
        occurredAtMs: number;
        memo?: string;
        offer?: OfferTerms;
      };
    }
  | {
      /** `amount` leaves the wallet; `released` (the rest of the hold) is available again. */
      type: 'HoldCaptured';
      data: {
        holdId: string;
        asset: Asset;
        amount: bigint;
        released: bigint;
        occurredAtMs: number;
        counterparty?: string;
      };
    }
  | {
      type: 'HoldReleased';
      data: {
        holdId: string;
        asset: Asset;
        amount: bigint;
        reason: 'released' | 'expired';
        occurredAtMs: number;
      };
    }
  | {
      type: 'TransferredOut';
      data: {
        transferId: string;
        asset: Asset;
        amount: bigint;
        to: string;
        occurredAtMs: number;
        memo?: string;
      };
    }
  | {
      type: 'TransferredIn';
      data: {
        transferId: string;
        asset: Asset;
        amount: bigint;
        from: string;
        occurredAtMs: number;
        memo?: string;
      };
    };
