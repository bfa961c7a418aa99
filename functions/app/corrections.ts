import { DomainError, isDomainError } from '#domain/errors.ts';
import { eventsByLane } from '#domain/fold-order.ts';
import {
  correctionOf,
  decideCorrection,
  type ExpectedAward,
  factToCorrect,
  findByReference,
  foldWallet,
  lane0Version,
  type RecordedEvent,
  type WalletCommand,
  type WalletEvent,
  type WalletState,
} from '#domain/wallet.ts';
import type { WalletView } from '#domain/wallet-view.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import type { NewEvent } from '#ports/event-store.ts';
import type { ReadModelStore } from '#ports/read-models.ts';
import type { RuleSetVersions } from './active-rules.ts';
import { handleCommandAlone } from './command-alone.ts';
import { type ExactState, type SentRead, takenOnce, wholeLogState } from './exact-state.ts';
import { catchUpView } from './fold.ts';
import { ledgerIndexChanges } from './ledger-indexes.ts';
import type { Outcome } from './outcomes.ts';
import { evaluateFact } from './rule-facts.ts';
import { catchUp, currentView, type ThresholdSource, thresholdNow } from './wallet-projection.ts';
import type { CommandHandlerDeps, WriteOutcome } from './write-outcome.ts';

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
  return resultOf(await correctOutcome(deps, input), input);
}

/** The command handler's outcome of a correction, decided first on `firstState` when given (correctAndShow). */
function correctOutcome(
  deps: CorrectionDeps,
  input: CorrectionInput,
  firstState?: SentRead<ExactState>,
): Promise<WriteOutcome<Correct>> {
  // Alone, never in a group (group-commit.ts): a correction is an administrator's, one at a time,
  // not one of many concurrent commands on a wallet that a shared transaction would save requests
  // for, and a group's carried state would only be carried for the next correction. Two at once on
  // one wallet are still safe: the append is conditioned on lane 0's head, and the loser decides
  // again (LANE0_ATTEMPTS_MAX). So the corrections function bundles no group commit. In a process
  // that group-commits the wallet at that moment (npm start), it joins the wallet's queue instead
  // (group-commit-join.ts): alone it would lose every race to the batches.
  return handleCommandAlone(deps, {
    walletId: input.walletId,
    placement: 'lane-0',
    fold: foldWallet,
    ...(firstState === undefined ? {} : { firstState }),
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
}

function resultOf(outcome: WriteOutcome<Correct>, input: CorrectionInput): CorrectionResult {
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

export interface ShownCorrectionDeps extends CorrectionDeps {
  readModels: ReadModelStore;
  /** The threshold the wallet's view is folded under, read with the wallet's log. */
  config: ThresholdSource;
}

/** A correction's result, and when it stands (recorded or unchanged) the wallet's view before and after it. */
export type ShownCorrection =
  | (Extract<CorrectionResult, { kind: 'recorded' | 'unchanged' }> & {
      before: WalletView;
      after: WalletView;
    })
  | Extract<CorrectionResult, { kind: 'rejected' | 'contended' }>;

/**
 * correctEvent, with the wallet's view before and after (`POST /wallets/{id}/corrections`), in two
 * waits: the wallet's whole log with lane 0's head (one Query on DynamoDB: EventStore.walletAndHead)
 * and the threshold, then the append conditioned on that head. The log is what the correction is
 * decided on (its exact state, handed to the command handler as its first state) and what both
 * views are folded from, so nothing is read after the append:
 * - before: the fold of the log as read (read models = fold of the log);
 * - after: that fold with the appended events, when they went in right after the head read (the
 *   append's condition: no lane-0 event came in between). Other lanes are as the read found them,
 *   so after less before is the correction's effect alone; a credit another lane took meanwhile
 *   is not in this answer (each view is still the fold of a prefix of every lane), and is in the
 *   next read of the wallet.
 * A correction decided on a later state (it lost lane 0's race and decided again, or joined a
 * running group commit) reads the view after, as a read of the wallet would (currentView).
 */
export async function correctAndShow(
  deps: ShownCorrectionDeps,
  input: CorrectionInput,
): Promise<ShownCorrection> {
  const { store } = deps;
  const { walletId } = input;
  const [threshold, read] = await Promise.all([
    thresholdNow(deps.config),
    wholeLogState(store, walletId, foldWallet),
  ]);
  const { head, state, sentAt, events } = read;
  const outcome = await correctOutcome(deps, input, takenOnce(Promise.resolve({ head, state, sentAt })));
  const result = resultOf(outcome, input);
  if (result.kind === 'rejected' || result.kind === 'contended') return result;
  const now = () => currentView(store, deps.readModels, walletId, threshold);
  const byLane = eventsByLane(events);
  const lanes = [...byLane.keys()].sort((a, b) => a - b);
  const asRead = async () => (await catchUp(store, walletId, undefined, threshold, lanes, byLane)).view;
  if (outcome.kind === 'recorded') {
    const before = await asRead();
    const appended = outcome.events;
    const onTheRead = appended[0]?.lane === 0 && appended[0].version === head.version + 1;
    const after = onTheRead
      ? (await catchUpView(store, before, threshold, [0], new Map([[0, appended]]), [...events, ...appended]))
          .view
      : await now();
    return { ...result, before, after };
  }
  // Unchanged: the correction stands already, and on the log as read that is the wallet now.
  const view =
    outcome.kind === 'unchanged' && lane0Version(outcome.state) === head.version
      ? await asRead()
      : await now();
  return { ...result, before: view, after: view };
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
