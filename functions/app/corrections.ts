import { DomainError, isDomainError } from '#domain/errors.ts';
import {
  correctionOf,
  decideCorrection,
  type ExpectedAward,
  factToCorrect,
  findByReference,
  foldWallet,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { NewEvent } from '#ports/event-store.ts';
import type { RuleSetVersions } from './active-rules.ts';
import { handleCommandAlone } from './command-alone.ts';
import { ledgerIndexChanges } from './ledger-indexes.ts';
import type { Outcome } from './outcomes.ts';
import { evaluateFact } from './rule-facts.ts';
import type { CommandHandlerDeps } from './write-outcome.ts';

export interface CorrectionDeps extends Pick<CommandHandlerDeps, 'store'> {
  ruleSets: Pick<RuleSetVersions, 'get'>;
  /** The active version, for facts recorded before facts named the version that decided them. */
  activeVersion: () => Promise<number>;
  clock: Clock;
  ids: IdGenerator;
}

export interface CorrectionInput {
  walletId: string;
  /** The stored event id, the CloudEvent id it came in with, or its Idempotency-Key. */
  reference: string;
  action: 'void' | 'amend';
  reason: string;
  /** For `amend`: a deposit's amount and/or time; a fact's data (JSON text) and/or time. */
  amend?: { amountMinor?: bigint; occurredAtMs?: number; dataJson?: string };
}

type Correct = WalletCommand & { type: 'Correct' };
type Correctable = RecordedEvent & { type: 'Deposited' | 'FactRecorded' };
type Corrected = RecordedEvent & { type: 'EventCorrected' };

/**
 * `recorded`: the correction and its compensating points were appended. `unchanged`: the event
 * already stands as asked (the same correction again): nothing was written. `rejected`: see the
 * correction codes in DOMAIN_ERROR_CODES. `contended`: lane 0 kept moving through every retry.
 */
export type CorrectionResult = Exclude<
  Outcome<
    {
      target: Correctable;
      correction: Corrected;
      adjustments: (RecordedEvent & { type: 'PointsAdjusted' })[];
    },
    { target: Correctable; correction?: Corrected }
  >,
  { kind: 'replayed' | 'key-reused' }
>;

/**
 * Voids or amends a deposit or fact: a `Correct` command through the command handler in lane 0.
 * For a fact, the rule set that governs it is evaluated here on the fact as corrected, and the
 * decider turns the difference from what it holds into PointsAdjusted. Balance and the
 * AboveThreshold flag follow in the read model.
 */
export async function correctEvent(deps: CorrectionDeps, input: CorrectionInput): Promise<CorrectionResult> {
  // Alone, never in a group (group-commit.ts): a correction is an administrator's, one at a time,
  // not one of many concurrent commands on a wallet that a shared transaction would save requests
  // for, and a group's carried state would only be carried for the next correction. Two at once on
  // one wallet are still safe: the append is conditioned on lane 0's head, and the loser decides
  // again (LANE0_ATTEMPTS_MAX). So the corrections function bundles no group commit. In a process
  // that group-commits the wallet at that moment (npm start), it joins the wallet's queue instead
  // (group-commit-join.ts): alone it would lose every race to the batches.
  const outcome = await handleCommandAlone(deps, {
    walletId: input.walletId,
    placement: 'lane-0',
    fold: foldWallet,
    decide: decideCorrection,
    indexes: ledgerIndexChanges,
    command: async (state): Promise<Correct | DomainError> => {
      // A fact's points follow the rules: ask the rule set that governs it about the fact as it
      // would stand, and let the decider turn the difference into adjustments.
      let rules: Correct['rules'];
      const toCorrect = factToCorrect(state, input);
      if (toCorrect !== undefined) {
        const ruleSetVersion = toCorrect.ruleSetVersion ?? (await deps.activeVersion());
        let awards: ExpectedAward[] = [];
        if (toCorrect.evaluate) {
          const ruleSet = await deps.ruleSets.get(ruleSetVersion);
          if (ruleSet === undefined) {
            return new DomainError('rule_set_missing', `Rule set version ${ruleSetVersion} is not stored.`);
          }
          const evaluated = evaluateFact(ruleSet, input.walletId, toCorrect.fact);
          if (isDomainError(evaluated)) return evaluated;
          awards = evaluated;
        }
        rules = { ruleSetVersion, awards };
      }
      return {
        type: 'Correct',
        ...input,
        correctionId: deps.ids.newId(),
        ...(rules === undefined ? {} : { rules }),
      };
    },
    stamp: (events, command) => {
      const nowMs = deps.clock.nowMs();
      return events.map((event, index) =>
        withId(event, index === 0 ? command.correctionId : deps.ids.newId(), nowMs),
      );
    },
  });
  switch (outcome.kind) {
    case 'recorded': {
      const [correction, ...adjustments] = outcome.events;
      if (correction?.type !== 'EventCorrected')
        throw new Error('unreachable: a correction appends EventCorrected first');
      return {
        kind: 'recorded',
        target: targetIn(outcome.state, input.reference),
        correction,
        adjustments: adjustments.filter((event) => event.type === 'PointsAdjusted'),
      };
    }
    case 'unchanged': {
      const target = targetIn(outcome.state, input.reference);
      const { correction } = correctionOf(outcome.state, target);
      return { kind: 'unchanged', target, ...(correction === undefined ? {} : { correction }) };
    }
    case 'rejected':
      return outcome;
    case 'contended':
      return { kind: 'contended', conflicts: outcome.conflicts };
    case 'replayed':
    case 'key-reused':
      throw new Error(`correctEvent: a write without a key was ${outcome.kind}`);
  }
}

/** The deposit or fact a decided correction named. */
function targetIn(state: WalletState, reference: string): Correctable {
  const target = findByReference(state, reference);
  if (target?.type !== 'Deposited' && target?.type !== 'FactRecorded')
    throw new Error('unreachable: a correction was decided without a deposit or fact to name');
  return target;
}

const withId = (event: WalletEvent, eventId: string, recordedAtMs: number): NewEvent => ({
  ...event,
  eventId,
  recordedAtMs,
});
