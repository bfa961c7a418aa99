/**
 * What corrections and retroactive rule sets need to know of a wallet's log, asked of a list of
 * recorded events: each answer is the one the wallet decider's state (wallet/state.ts) gives once
 * the list is folded, so a read model, a report and the decider agree.
 */
import type { HeldPoints } from './wallet/adjustments.ts';
import type { RecordedEvent } from './wallet/events.ts';
import { foldWallet } from './wallet/evolve.ts';
import * as wallet from './wallet/state.ts';

export {
  type AdjustmentData,
  adjustmentsFor,
  covers,
  type EffectiveFact,
  type ExpectedAward,
  type HeldPoints,
  targetOf,
  totalHeld,
} from './wallet/adjustments.ts';

type Recorded<T extends RecordedEvent['type']> = RecordedEvent & { type: T };

const fold = (events: readonly RecordedEvent[]) => foldWallet(events, wallet.initialWalletState());

/** A deposit or fact as the latest correction of it left it. */
export interface CorrectionState {
  target: Recorded<'Deposited'> | Recorded<'FactRecorded'>;
  /** The latest correction in force (lane 0, highest version), if any. */
  correction?: Recorded<'EventCorrected'>;
  voided: boolean;
}

/** The latest correction of every corrected event, by the target's `lane:version`. */
export const latestCorrections = (
  events: readonly RecordedEvent[],
): ReadonlyMap<string, Recorded<'EventCorrected'>> => fold(events).corrections;

/** The state of one correctable event (a deposit or a fact). */
export const correctionState = (
  events: readonly RecordedEvent[],
  target: Recorded<'Deposited'> | Recorded<'FactRecorded'>,
): CorrectionState => ({ target, ...wallet.correctionOf(fold(events), target) });

/** Every fact not voided, with corrected data and time. */
export const effectiveFacts = (events: readonly RecordedEvent[]) => wallet.effectiveFacts(fold(events));

/** Retroactive applications, oldest first (all in lane 0). */
export const rulesApplied = (events: readonly RecordedEvent[]) => fold(events).applications;

/** True when the latest retroactive application is this one (same version and range). */
export const applicationInForce = (
  events: readonly RecordedEvent[],
  application: { ruleSetVersion: number; fromMs?: number; toMs?: number },
): boolean => wallet.applicationInForce(fold(events), application);

/** Points held per fact and rule: every award and adjustment summed. */
export const heldPoints = (
  events: readonly RecordedEvent[],
): ReadonlyMap<string, ReadonlyMap<string, HeldPoints>> => fold(events).points;

/**
 * The event an operator's reference names: its stored event id, the id it came in with (a
 * CloudEvent id, kept as `factId`), or the Idempotency-Key of its request. A deposit or fact is
 * preferred over the awards written with it.
 */
export const findByReference = (
  events: readonly RecordedEvent[],
  reference: string,
): RecordedEvent | undefined => wallet.findByReference(fold(events), reference);
