import {
  adjustmentsFor,
  correctionState,
  type EffectiveFact,
  type ExpectedAward,
  effectiveFacts,
  findByReference,
  heldPoints,
  targetOf,
} from '#domain/corrections.ts';
import type { RecordedEvent, WalletEvent } from '#domain/wallet.ts';
import type { Clock, IdGenerator } from '#ports/clock.ts';
import { type EventStore, isVersionConflict, type NewEvent } from '#ports/event-store.ts';
import { type CompiledRuleSet, isRuleEvaluationError } from '#rules/types.ts';
import type { RuleSetVersions } from './active-rules.ts';
import { readWallet } from './read-events.ts';

/** Why a correction cannot be made; `code` is stable and the edge maps it to a status. */
export class CorrectionRejected extends Error {
  override readonly name = 'CorrectionRejected';
  constructor(
    readonly code:
      | 'wallet-not-found'
      | 'event-not-found'
      | 'not-correctable'
      | 'event-voided'
      | 'invalid-amendment'
      | 'rule-failed'
      | 'rule-set-missing',
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

export interface CorrectionDeps {
  store: EventStore;
  ruleSets: RuleSetVersions;
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

type Correctable = RecordedEvent & { type: 'Deposited' | 'FactRecorded' };

export type CorrectionResult =
  | {
      kind: 'corrected';
      target: Correctable;
      correction: RecordedEvent & { type: 'EventCorrected' };
      adjustments: (RecordedEvent & { type: 'PointsAdjusted' })[];
    }
  /** The event already stands as asked (the same correction again): nothing was written. */
  | { kind: 'unchanged'; target: Correctable; correction?: RecordedEvent & { type: 'EventCorrected' } };

/** Corrections and retroactive adjustments append at most this many events at once (one transaction). */
export const LANE0_EVENTS_PER_APPEND = 50;

/** How often a lane-0 decision is re-made when another writer appended to lane 0 first. */
const LANE0_ATTEMPTS_MAX = 10;

/**
 * Decides against the wallet's whole log and appends to lane 0, where appends are serialised by
 * the version lock: when another writer got there first, the log is read again and the decision
 * made again. `decide` returns null when there is nothing to write.
 */
export async function appendToLane0<T>(
  store: EventStore,
  walletId: string,
  decide: (
    events: RecordedEvent[],
  ) => Promise<{ events: NewEvent[]; result: T } | { result: T; events?: never }>,
): Promise<{ result: T; appended: RecordedEvent[] }> {
  for (let attempt = 1; ; attempt++) {
    const head = await store.head(walletId, 0);
    // Lane-0 events past the head read above are left out: the append below fails on them and
    // this decides again, so the decision is always made against the head it appends after.
    const events = (await readWallet(store, walletId)).filter(
      (event) => event.lane !== 0 || event.version <= head.version,
    );
    const decision = await decide(events);
    if (decision.events === undefined || decision.events.length === 0) {
      return { result: decision.result, appended: [] };
    }
    try {
      const outcome = await store.append({ walletId, lane: 0, expected: head, events: decision.events });
      if (outcome.kind !== 'appended')
        throw new Error('appendToLane0: an append without a key cannot repeat');
      return { result: decision.result, appended: outcome.events };
    } catch (error) {
      if (!isVersionConflict(error) || attempt >= LANE0_ATTEMPTS_MAX) throw error;
    }
  }
}

/** A stored fact as the rules engine sees a CloudEvent. */
export const ruleFactOf = (walletId: string, fact: EffectiveFact) => ({
  id: fact.factId,
  source: fact.source,
  type: fact.factType,
  subject: walletId,
  time: new Date(fact.occurredAtMs).toISOString(),
  data: JSON.parse(fact.dataJson) as unknown,
});

/** What a rule set gives a fact, or CorrectionRejected('rule-failed'). */
export function evaluateFact(
  ruleSet: CompiledRuleSet,
  walletId: string,
  fact: EffectiveFact,
): ExpectedAward[] {
  try {
    return ruleSet
      .evaluate(ruleFactOf(walletId, fact))
      .map((award) => ({ ruleId: award.ruleId, ruleTextHash: award.ruleTextHash, points: award.points }));
  } catch (error) {
    if (!isRuleEvaluationError(error)) throw error;
    throw new CorrectionRejected('rule-failed', `${error.message}`);
  }
}

/**
 * Voids or amends a deposit or fact: appends an EventCorrected naming the original (which stays
 * as it was) and, for a fact, the PointsAdjusted events that bring its points to what the rule set
 * that decided it gives the corrected fact. Balance and the AboveThreshold flag follow in the read
 * model. Asking for what already stands (the same correction again) writes nothing.
 */
export async function correctEvent(deps: CorrectionDeps, input: CorrectionInput): Promise<CorrectionResult> {
  let target: Correctable | undefined;
  const { result, appended } = await appendToLane0(deps.store, input.walletId, async (events) => {
    if (events.length === 0) {
      throw new CorrectionRejected('wallet-not-found', `Wallet ${input.walletId} has no events.`);
    }
    const found = findByReference(events, input.reference);
    if (found === undefined) {
      throw new CorrectionRejected(
        'event-not-found',
        `No event of wallet ${input.walletId} has the id, CloudEvent id or Idempotency-Key ${input.reference}.`,
      );
    }
    if (found.type !== 'Deposited' && found.type !== 'FactRecorded') {
      throw new CorrectionRejected(
        'not-correctable',
        `Event ${found.eventId} is ${found.type}; only deposits and facts can be corrected (points follow their fact; a rule change is a backtest).`,
      );
    }
    target = found;
    const state = correctionState(events, found);
    const unchanged = {
      result: {
        kind: 'unchanged',
        target: found,
        ...(state.correction === undefined ? {} : { correction: state.correction }),
      } as CorrectionResult,
    };
    if (state.voided) {
      if (input.action === 'void') return unchanged;
      throw new CorrectionRejected(
        'event-voided',
        `Event ${found.eventId} was voided; a voided event cannot be amended.`,
      );
    }
    const correctionId = deps.ids.newId();
    const corrected: WalletEvent & { type: 'EventCorrected' } = {
      type: 'EventCorrected',
      data: { target: targetOf(found), action: input.action, reason: input.reason },
    };
    if (found.type === 'Deposited') {
      if (input.action === 'amend') {
        const amend = input.amend ?? {};
        if (amend.dataJson !== undefined) {
          throw new CorrectionRejected(
            'invalid-amendment',
            'A deposit is amended with amount and/or time, not data.',
          );
        }
        const current = state.correction?.data.deposit ?? found.data;
        const deposit = {
          amountMinor: amend.amountMinor ?? current.amountMinor,
          occurredAtMs: amend.occurredAtMs ?? current.occurredAtMs,
        };
        if (deposit.amountMinor === current.amountMinor && deposit.occurredAtMs === current.occurredAtMs) {
          return unchanged;
        }
        corrected.data.deposit = deposit;
      }
      return { events: [withId(corrected, correctionId, deps.clock.nowMs())], result: undefined };
    }

    // A fact: the amended fact (or nothing, voided) against the rule set version that decided it.
    const fact = effectiveFacts(events).find((candidate) => candidate.recorded.eventId === found.eventId);
    if (fact === undefined) throw new Error('unreachable: a fact that is not voided is effective');
    let amended = fact;
    if (input.action === 'amend') {
      const amend = input.amend ?? {};
      if (amend.amountMinor !== undefined) {
        throw new CorrectionRejected(
          'invalid-amendment',
          'A fact is amended with data and/or time, not amount.',
        );
      }
      amended = {
        ...fact,
        dataJson: amend.dataJson ?? fact.dataJson,
        occurredAtMs: amend.occurredAtMs ?? fact.occurredAtMs,
      };
      if (amended.dataJson === fact.dataJson && amended.occurredAtMs === fact.occurredAtMs) return unchanged;
      corrected.data.fact = { occurredAtMs: amended.occurredAtMs, dataJson: amended.dataJson };
    }
    const version = fact.ruleSetVersion ?? (await deps.activeVersion());
    let expected: ExpectedAward[] = [];
    if (input.action === 'amend') {
      const ruleSet = await deps.ruleSets.get(version);
      if (ruleSet === undefined) {
        throw new CorrectionRejected('rule-set-missing', `Rule set version ${version} is not stored.`);
      }
      expected = evaluateFact(ruleSet, input.walletId, amended);
    }
    const adjustments = adjustmentsFor(
      fact.factId,
      heldPoints(events).get(fact.factId),
      expected,
      version,
      'correction',
      correctionId,
    );
    const nowMs = deps.clock.nowMs();
    return {
      events: [
        withId(corrected, correctionId, nowMs),
        ...adjustments.map((data) => withId({ type: 'PointsAdjusted', data }, deps.ids.newId(), nowMs)),
      ],
      result: undefined,
    };
  });
  if (result !== undefined) return result;
  const [correction, ...adjustments] = appended;
  if (correction?.type !== 'EventCorrected')
    throw new Error('unreachable: a correction appends EventCorrected first');
  if (target === undefined) throw new Error('unreachable: a correction was decided without a target');
  return {
    kind: 'corrected',
    target,
    correction,
    adjustments: adjustments.filter((event) => event.type === 'PointsAdjusted'),
  };
}

const withId = (event: WalletEvent, eventId: string, recordedAtMs: number): NewEvent => ({
  ...event,
  eventId,
  recordedAtMs,
});
