/**
 * What may be asked of a wallet. Every field a decision needs comes in the command: the time
 * (`occurredAtMs`), ids, and what the rules say (awards), which the app evaluates because rule sets
 * are loaded from a store. The decider checks them against the wallet's state.
 */

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

export type WalletCommand =
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
    }
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
